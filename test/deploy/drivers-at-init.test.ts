/**
 * No function loads a database or SSH driver while it builds its handler:
 * the driver loads at the first login that needs it, so a cold start pays
 * only for the handler, and an event refused at the edge never loads one.
 * Each function's sources load in a fresh Node process, which then lists
 * the driver packages in its module cache (CommonJS packages land there
 * whether imported or required). A control shows the listing does see a
 * driver once one is loaded.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { functionNames, REPO_ROOT } from "../../scripts/build/bundle-functions.ts";

const run = promisify(execFile);
const DRIVERS = ["mysql2", "pg", "ssh2", "ioredis"];

/** Builds the function's handler in a fresh process, runs `then`, and returns the drivers loaded. */
async function driversLoadedBy(functionName: string, then = ""): Promise<string[]> {
  const entry = join(REPO_ROOT, "functions", functionName, "index.ts");
  const script = `const { handler } = await import(${JSON.stringify(entry)});
if (typeof handler !== "function") throw new Error("no handler export");
${then}
const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache);
const drivers = ${JSON.stringify(DRIVERS)}.filter((driver) =>
  loaded.some((path) => path.includes("/node_modules/" + driver + "/")));
process.stdout.write(JSON.stringify(drivers));`;
  const { stdout } = await run(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", script],
    { cwd: REPO_ROOT },
  );
  return JSON.parse(stdout) as string[];
}

describe("function init", () => {
  it("loads no driver in any function", async () => {
    // Act
    const names = await functionNames();
    const loaded = await Promise.all(
      names.map(async (name) => [name, await driversLoadedBy(name)] as const),
    );
    // Assess
    expect(names).toEqual(expect.arrayContaining(["rotate-ecs-ssh-key", "rotate-mysql"]));
    expect(Object.fromEntries(loaded)).toEqual(Object.fromEntries(names.map((name) => [name, []])));
  }, 60_000);

  it("is seen to load a driver once one is asked for (the check can tell)", async () => {
    // Act
    const loaded = await driversLoadedBy(
      "rotate-ecs-ssh-key",
      `const { loadSsh2 } = await import(${JSON.stringify(join(REPO_ROOT, "src/core/rotators/ecs/ssh2-driver.ts"))});
await loadSsh2();`,
    );
    // Assess
    expect(loaded).toEqual(["ssh2"]);
  }, 30_000);

  it("sees ioredis once the Redis function's first login asks for it", async () => {
    // Act
    const loaded = await driversLoadedBy(
      "rotate-redis",
      `const { loadRedisDriver } = await import(${JSON.stringify(join(REPO_ROOT, "src/core/rotators/redis/redis-driver.ts"))});
await loadRedisDriver();`,
    );
    // Assess
    expect(loaded).toEqual(["ioredis"]);
  }, 30_000);
});

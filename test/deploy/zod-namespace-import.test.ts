/**
 * The bundler's zod import rewrite: the same schemas give the same results
 * and messages, from a bundle without zod's unused parts.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { zodNamespaceImportPlugin } from "../../scripts/build/zod-namespace-import.ts";

const run = promisify(execFile);

/** A schema module written the way our sources write them; prints its verdicts. */
const SCHEMA_SOURCE = `import { z } from "zod";

const value = z.object({
  AccountName: z.string().min(3),
  port: z.number().int().max(65535),
  engine: z.enum(["mysql", "postgres"]),
});
console.log(JSON.stringify([
  value.safeParse({ AccountName: "app", port: 3306, engine: "mysql" }),
  value.safeParse({ AccountName: "a", port: 3306.5, engine: "oracle" }).error?.issues,
]));
`;

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "rotor-zod-import-"));
  await writeFile(join(folder, "schema.ts"), SCHEMA_SOURCE);
});
afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function bundle(name: string, withPlugin: boolean) {
  const outfile = join(folder, `${name}.cjs`);
  const result = await build({
    entryPoints: [join(folder, "schema.ts")],
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    format: "cjs",
    metafile: true,
    logLevel: "silent",
    nodePaths: [join(REPO_ROOT, "node_modules")],
    plugins: withPlugin ? [zodNamespaceImportPlugin()] : [],
  });
  const { stdout } = await run(process.execPath, [outfile], { cwd: folder, timeout: 60_000 });
  return {
    bytes: (await stat(outfile)).size,
    // What the bundle holds: esbuild lists every file it read, shaken out or not.
    inputs: Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    ),
    output: stdout,
  };
}

describe("zod namespace import", () => {
  it("gives the same verdicts and messages from a bundle without zod's locales", async () => {
    // Act
    const whole = await bundle("whole", false);
    const shaken = await bundle("shaken", true);

    // Assess
    expect(shaken.output).toBe(whole.output);
    expect(shaken.output).toContain("Too small: expected string to have >=3 characters");
    expect(whole.inputs.some((input) => input.includes("zod/v4/locales/de.js"))).toBe(true);
    expect(shaken.inputs.some((input) => input.includes("zod/v4/locales/de.js"))).toBe(false);
    expect(shaken.bytes).toBeLessThan(whole.bytes / 2);
  });
});

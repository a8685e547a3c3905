/**
 * An esbuild plugin that lets the bundles carry only the parts of zod our
 * schemas use. `import { z } from "zod"` binds zod's whole namespace as one
 * value, which esbuild cannot shake: every bundle then carried all of zod,
 * its JSON Schema converters and 40-odd message locales (~445 KiB minified).
 * `import * as z from "zod"` names the same functions (zod's index re-exports
 * everything `z` holds), and esbuild keeps only those our code reaches
 * (~90 KiB). The plugin rewrites the first form into the second in our own
 * sources as they are bundled; the import stays on its line, so source maps
 * still point at the right lines. Nothing else
 * changes: `z.object`, `z.string`, … are the very same functions, and zod's
 * English messages are still installed by the module that defines them.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

const NAMED_NAMESPACE_IMPORT = /^import \{ z \} from "zod";$/gm;

export function zodNamespaceImportPlugin(): Plugin {
  return {
    name: "rotor-zod-namespace-import",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        const contents = source.replace(NAMED_NAMESPACE_IMPORT, 'import * as z from "zod";');
        // Untouched files load the usual way.
        return contents === source ? undefined : { contents, loader: "ts" };
      });
    },
  };
}

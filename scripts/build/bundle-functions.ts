/**
 * Bundles each FC entry point in functions/<name>/index.ts into one
 * minified CommonJS file, dist/<name>/index.js (plus its source map), that
 * FC's nodejs20 runtime loads as `index.handler`. Each bundle starts from
 * its own entry, so it carries only the modules that function imports: the
 * MySQL function holds no ssh2 or pg. Two more things keep bundles small
 * (each bundle must stay within bundle-size-limit.ts): modules replaced by
 * smaller stand-ins (bundle-substitutions.ts) and zod imported so that
 * unused parts drop out (zod-namespace-import.ts).
 *
 * @example
 * const bundles = await bundleFunctions({ outDir: "dist" });
 * for (const b of bundles) console.log(b.name, b.bytes);
 */
import { readdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { bundleSubstitutionsPlugin } from "./bundle-substitutions.ts";
import { zodNamespaceImportPlugin } from "./zod-namespace-import.ts";

/** The repository root (this file sits in scripts/build/). */
export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface BundleFunctionsOptions {
  /** Where dist/<name>/ folders go (default: <repo>/dist). */
  outDir?: string;
  /** Only these functions (default: every folder in functions/). */
  only?: readonly string[];
}

export interface FunctionBundle {
  name: string;
  /** Absolute path of the bundle, dist/<name>/index.js. */
  file: string;
  /** Size of the bundle in bytes (without its source map). */
  bytes: number;
  /** The npm packages bundled in, by name (what the function carries). */
  packages: string[];
}

/** The function names: every folder under functions/ with an index.ts. */
export async function functionNames(): Promise<string[]> {
  const entries = await readdir(join(REPO_ROOT, "functions"), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export async function bundleFunctions(
  options: BundleFunctionsOptions = {},
): Promise<FunctionBundle[]> {
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, "dist"));
  const all = await functionNames();
  const unknown = (options.only ?? []).filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new Error(`No such function in functions/: ${unknown.join(", ")}`);
  }
  const names = options.only ? [...options.only] : all;
  const bundles: FunctionBundle[] = [];
  for (const name of names) {
    const folder = join(outDir, name);
    // A bundle left from an earlier build must not survive a function's removal of a file.
    await rm(folder, { recursive: true, force: true });
    const file = join(folder, "index.js");
    const result = await build({
      entryPoints: [join(REPO_ROOT, "functions", name, "index.ts")],
      outfile: file,
      bundle: true,
      // Rotor's packages from their TypeScript sources (their exports' `source` condition).
      conditions: ["source"],
      // FC's nodejs20 runtime requires index.js as CommonJS unless told otherwise.
      format: "cjs",
      platform: "node",
      target: "node20",
      minify: true,
      sourcemap: true,
      // Stack traces in FC logs then name our files and lines.
      sourcesContent: false,
      legalComments: "none",
      logLevel: "error",
      metafile: true,
      // Optional native add-ons some drivers probe for; absent, they fall back to JavaScript.
      external: ["cpu-features", "pg-native", "*.node"],
      plugins: [bundleSubstitutionsPlugin(), zodNamespaceImportPlugin()],
    });
    // The repository's package.json says "type": "module"; this one keeps index.js CommonJS
    // wherever the folder is loaded from, and goes to FC with the code.
    await writeFile(join(folder, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
    bundles.push({
      name,
      file,
      bytes: (await stat(file)).size,
      packages: packagesOf(Object.keys(result.metafile.inputs)),
    });
  }
  return bundles;
}

/** Package names in esbuild's input paths (node_modules/<name> or node_modules/@scope/<name>). */
function packagesOf(inputs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const input of inputs) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

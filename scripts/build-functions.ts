/**
 * `npm run build`: one bundle per function in functions/, under dist/<name>/,
 * and each bundle's size. `npm run build -- rotate-mysql scheduler` builds
 * only those.
 */
import { bundleFunctions } from "../src/build/bundle-functions.ts";

const only = process.argv.slice(2);
const bundles = await bundleFunctions(only.length > 0 ? { only } : {});
for (const bundle of bundles) {
  const size = `${(bundle.bytes / 1024).toFixed(1)} KiB`;
  process.stdout.write(`${bundle.name.padEnd(24)} ${size.padStart(12)}  ${bundle.file}\n`);
}

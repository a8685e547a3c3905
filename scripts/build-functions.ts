/**
 * `npm run build`: one bundle per function in functions/, under dist/<name>/,
 * and each bundle's size. `npm run build -- rotate-mysql scheduler` builds
 * only those. Exits with 1 when a bundle is over the size limit
 * (scripts/build/bundle-size-limit.ts), naming it and its size.
 */
import { bundleFunctions } from "./build/bundle-functions.ts";
import { formatKiB, MAX_BUNDLE_BYTES, oversizedBundles } from "./build/bundle-size-limit.ts";

const only = process.argv.slice(2);
const bundles = await bundleFunctions(only.length > 0 ? { only } : {});
for (const bundle of bundles) {
  process.stdout.write(
    `${bundle.name.padEnd(24)} ${formatKiB(bundle.bytes).padStart(12)}  ${bundle.file}\n`,
  );
}
const problem = oversizedBundles(bundles);
if (problem) {
  process.stderr.write(`build failed: ${problem}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`every bundle within ${formatKiB(MAX_BUNDLE_BYTES)}\n`);
}

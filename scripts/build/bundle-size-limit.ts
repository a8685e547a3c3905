/**
 * The size a function bundle may have: 1.5 MB (1536 KiB), so a cold start
 * reads and compiles little, and a deployment package stays small.
 * `npm run build` fails when a bundle grows past it.
 *
 * @example
 * const problem = oversizedBundles(await bundleFunctions());
 * if (problem) throw new Error(problem);
 */
import type { FunctionBundle } from "./bundle-functions.ts";

export const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

/** Size in KiB with one decimal, as the build prints it. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * A message naming every bundle over the limit with its size, or undefined
 * when all fit.
 */
export function oversizedBundles(
  bundles: readonly Pick<FunctionBundle, "name" | "bytes">[],
  maxBytes: number = MAX_BUNDLE_BYTES,
): string | undefined {
  const over = bundles.filter((bundle) => bundle.bytes > maxBytes);
  if (over.length === 0) return undefined;
  const list = over.map((bundle) => `${bundle.name} is ${formatKiB(bundle.bytes)}`).join(", ");
  return `function bundle over the ${formatKiB(maxBytes)} limit: ${list}`;
}

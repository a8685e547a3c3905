/**
 * The class an Alibaba SDK package exports as `exports.default`. Node's ESM
 * loader hands a CommonJS module over as `namespace.default = module.exports`
 * (so the class is `namespace.default.default`), while bundlers and vitest
 * unwrap `__esModule` modules (so it is `namespace.default`). Accept both.
 */
export function commonJsDefault<T>(namespace: { default: { default: T } }): T {
  const outer: unknown = namespace.default;
  if (typeof outer === "function") return outer as T;
  return (outer as { default: T }).default;
}

/**
 * A module resolution hook that adds the `source` export condition, which
 * points every Rotor package at its TypeScript sources instead of its
 * build (dist/). The same as `node --conditions=source`, for a process
 * already started without the flag: registered with `module.register`.
 */
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes("source")
    ? context.conditions
    : ["source", ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}

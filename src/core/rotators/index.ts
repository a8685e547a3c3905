/**
 * `@rotor/core/rotators`: every built-in rotator by kind, and the kinds
 * and the function that runs each. Importing it loads every rotator's code
 * (each loads its driver only at its first login); a function names its
 * own rotator instead, `@rotor/core/rotators/<kind>`.
 */
export * from "./registry.ts";
export * from "./rotator-kinds.ts";

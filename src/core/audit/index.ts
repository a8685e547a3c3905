/**
 * `@rotor/core/audit`: every secret of an account judged at once, managed by
 * Rotor or not (its state, its problems and the advice for each), and the
 * audit written as a table, Markdown or JSON.
 */
export * from "./account-audit.ts";
export * from "./audit-json.ts";
export * from "./audit-markdown.ts";
export * from "./audit-summary.ts";
export * from "./audit-table.ts";
export * from "./secret-audit.ts";

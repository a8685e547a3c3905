/**
 * The pg driver, loaded the first time a login needs it rather than when the
 * function's module loads: a cold start builds the handler without paying
 * for the driver, and work that never opens a PostgreSQL connection (an
 * event refused at the edge) never loads it.
 */
import type pg from "pg";

let driver: Promise<typeof pg> | undefined;

export function loadPgDriver(): Promise<typeof pg> {
  driver ??= import("pg").then((module) => module.default);
  return driver;
}

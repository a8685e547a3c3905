/**
 * ioredis, loaded the first time a login needs it rather than when the
 * function's module loads (as mysql-driver.ts and pg-driver.ts do for
 * theirs): a cold start builds the handler without paying for the driver,
 * and work that never opens a Redis connection (an event refused at the
 * edge, a secret refused before any login) never loads it.
 */
import type { Redis } from "ioredis";

let loading: Promise<typeof Redis> | undefined;

export function loadRedisDriver(): Promise<typeof Redis> {
  loading ??= import("ioredis").then((module) => module.Redis);
  return loading;
}

/**
 * What both pool factories (createMysqlPool, createPgPool) take besides their driver's own options, the checks
 * on it, and the login source built from it.
 */
import type { DatabaseEngine } from "./database-login.ts";
import { DatabaseLoginSource } from "./database-login-source.ts";
import { readSecretLoginOptions, type SecretLoginOptions } from "./secret-login-options.ts";

/** The secret a pool logs in with: see secret-login-options.ts. */
export type SecretPoolOptions = SecretLoginOptions;

/**
 * Checks the options, refusing those the login comes from (`refused`), and
 * returns the login source. Fails before any connection is tried.
 */
export function loginSourceFor(
  options: SecretPoolOptions & object,
  factory: string,
  engine: DatabaseEngine,
  refused: readonly string[],
): DatabaseLoginSource {
  return new DatabaseLoginSource({ ...readSecretLoginOptions(options, factory, refused), engine });
}

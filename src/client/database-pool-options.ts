/**
 * What both pool factories (createMysqlPool, createPgPool) take besides their driver's own options, the checks
 * on it, and the login source built from it.
 */
import { ConfigError, ValidationError } from "@rotor/cloud-api";
import type { DatabaseEngine } from "./database-login.ts";
import { DatabaseLoginSource, DEFAULT_PENDING_STAGE } from "./database-login-source.ts";
import { SecretsClient } from "./secrets-client.ts";

export interface SecretPoolOptions {
  /** The KMS secret holding AccountName, AccountPassword and (optionally) host, port, database, tls. */
  secretName: string;
  /** Share one client across pools. Default: a new one configured from the environment. */
  secrets?: SecretsClient | undefined;
  /**
   * Tried after a refused login when ACSCurrent has not changed (a
   * single-user rotation between its two steps); false: never. Default `ACSPending`.
   */
  pendingStage?: string | false | undefined;
}

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
  const { secretName, pendingStage } = options as { secretName: unknown; pendingStage: unknown };
  if (typeof secretName !== "string" || secretName.trim() === "") {
    throw new ValidationError(`${factory}: secretName must name the KMS secret holding the login`);
  }
  for (const option of refused) {
    if (option in options) {
      throw new ConfigError(
        `${factory}: remove ${option}; the login comes from the secret ${JSON.stringify(secretName)}`,
      );
    }
  }
  if (pendingStage !== undefined && pendingStage !== false) {
    if (typeof pendingStage !== "string" || pendingStage.trim() === "") {
      throw new ValidationError(`${factory}: pendingStage must be a stage name or false`);
    }
  }
  return new DatabaseLoginSource({
    secrets: options.secrets ?? new SecretsClient(),
    secretName,
    engine,
    pendingStage: (pendingStage as string | false | undefined) ?? DEFAULT_PENDING_STAGE,
  });
}

/**
 * What every client that takes a secret name instead of a password takes
 * (the database pools, the Redis client), and the checks on it, made
 * before any connection is tried.
 */
import { ConfigError, ValidationError } from "@rotor/cloud-api";
import { DEFAULT_PENDING_STAGE } from "./secret-login-source.ts";
import { SecretsClient } from "./secrets-client.ts";

export interface SecretLoginOptions {
  /** The KMS secret holding AccountName, AccountPassword and (optionally) where to connect. */
  secretName: string;
  /** Share one client across pools and clients. Default: a new one configured from the environment. */
  secrets?: SecretsClient | undefined;
  /**
   * Tried after a refused login when ACSCurrent has not changed (a
   * single-user rotation between its two steps); false: never. Default `ACSPending`.
   */
  pendingStage?: string | false | undefined;
}

/**
 * The checked settings, refusing the driver options the login comes from
 * (`refused`: given, they would fight the secret).
 */
export function readSecretLoginOptions(
  options: SecretLoginOptions & object,
  factory: string,
  refused: readonly string[],
): { secretName: string; secrets: SecretsClient; pendingStage: string | false } {
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
  return {
    secretName,
    secrets: options.secrets ?? new SecretsClient(),
    pendingStage: (pendingStage as string | false | undefined) ?? DEFAULT_PENDING_STAGE,
  };
}

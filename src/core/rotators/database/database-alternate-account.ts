/**
 * Dual-account mode's pairing: which account is the other one of a pair, and
 * which of the two is the base (the account whose privileges both share).
 */
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import { type DatabaseSecretValue, DEFAULT_ALTERNATE_SUFFIX } from "./database-secret-value.ts";

export interface AccountPair {
  base: string;
  alternate: string;
  /** True for two pre-created accounts: the rotator neither creates them nor manages their grants. */
  preCreated: boolean;
}

/** The pair the current account belongs to. */
export function accountPair(value: DatabaseSecretValue): AccountPair {
  if (value.accounts) {
    const [base, alternate] = value.accounts;
    return { base, alternate, preCreated: true };
  }
  const suffix = value.alternateSuffix ?? DEFAULT_ALTERNATE_SUFFIX;
  const name = value.AccountName;
  if (name.endsWith(suffix) && name.length > suffix.length) {
    return { base: name.slice(0, -suffix.length), alternate: name, preCreated: false };
  }
  return { base: name, alternate: `${name}${suffix}`, preCreated: false };
}

/** The account that is not current: the one the next rotation gives a new password. */
export function otherAccount(value: DatabaseSecretValue): string {
  const pair = accountPair(value);
  return value.AccountName === pair.base ? pair.alternate : pair.base;
}

/**
 * Refuses a pending value that would make the rotation touch anything but
 * the current account's partner on the same server: a tampered or mixed-up
 * pending version must not get some other account's password changed.
 */
export function assertIsAlternate(
  current: DatabaseSecretValue,
  pending: DatabaseSecretValue,
): void {
  assertSameServer(current, pending);
  const expected = otherAccount(current);
  if (pending.AccountName !== expected) {
    throw new DatabaseRotationRefusedError(
      `The pending version names account ${JSON.stringify(pending.AccountName)}, but the alternate of ${JSON.stringify(current.AccountName)} is ${JSON.stringify(expected)}: refusing to change it`,
    );
  }
}

/** Refuses a pending value pointing at another server, engine or master secret than the current one. */
export function assertSameServer(current: DatabaseSecretValue, pending: DatabaseSecretValue): void {
  for (const field of [
    "engine",
    "host",
    "port",
    "database",
    "masterSecret",
    "DBInstanceId",
    "DBClusterId",
    "RegionId",
    "ownerRole",
  ] as const) {
    if (current[field] !== pending[field]) {
      throw new DatabaseRotationRefusedError(
        `The pending version's ${field} differs from the current version's: refusing to rotate across servers`,
      );
    }
  }
}

/**
 * Dual-account mode's pairing: which user is the other one of a pair, and
 * the refusals that keep a pending version on the current user's partner,
 * on the same server.
 */
import { RedisRotationRefusedError } from "./redis-errors.ts";
import { DEFAULT_ALTERNATE_SUFFIX, type RedisSecretValue } from "./redis-secret-value.ts";

export interface AccountPair {
  base: string;
  alternate: string;
  /** True for two pre-created users: the rotator never creates them. */
  preCreated: boolean;
}

/** The pair the current user belongs to. */
export function accountPair(value: RedisSecretValue): AccountPair {
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

/** The user that is not current: the one the next rotation gives a new password. */
export function otherAccount(value: RedisSecretValue): string {
  const pair = accountPair(value);
  return value.AccountName === pair.base ? pair.alternate : pair.base;
}

/**
 * Refuses a pending value that would make the rotation touch anything but
 * the current user's partner on the same server: a tampered or mixed-up
 * pending version must not get some other user's password changed.
 */
export function assertIsAlternate(current: RedisSecretValue, pending: RedisSecretValue): void {
  assertSameTarget(current, pending);
  const expected = otherAccount(current);
  if (pending.AccountName !== expected) {
    throw new RedisRotationRefusedError(
      `The pending version names user ${JSON.stringify(pending.AccountName)}, but the alternate of ${JSON.stringify(current.AccountName)} is ${JSON.stringify(expected)}: refusing to change it`,
    );
  }
}

/** Refuses a pending value pointing at another server, master secret or instance than the current one. */
export function assertSameTarget(current: RedisSecretValue, pending: RedisSecretValue): void {
  for (const field of ["host", "port", "masterSecret", "InstanceId", "RegionId"] as const) {
    if (current[field] !== pending[field]) {
      throw new RedisRotationRefusedError(
        `The pending version's ${field} differs from the current version's: refusing to rotate across servers`,
      );
    }
  }
}

/**
 * What changes other accounts in a dual-account rotation, one
 * implementation per kind of target: a master login's ACL commands on a
 * self-managed server (redis-acl-admin.ts), or the R-kvstore OpenAPI as the
 * function's RAM identity on ApsaraDB for Redis/Tair
 * (kvstore-account-admin.ts). The rotation (redis-rotator.ts) is written
 * once against this interface, and calls it only after it has proven the
 * accounts it touches are the secret's.
 */
export interface AlternateSync {
  /** The account the secret names now. */
  current: string;
  /** The account the rotation gives the new password. */
  alternate: string;
  password: string;
  /** True in suffix mode: an alternate that does not exist yet is created. */
  mayCreate: boolean;
}

export interface RedisAccountAdmin {
  /** Where it works, for messages: `RDS instance …`, `the master login on host:port`. */
  readonly where: string;
  accountExists(account: string): Promise<boolean>;
  /**
   * Makes `alternate` the current account's twin with `password`: created
   * when missing (if allowed), given exactly the current account's rules
   * or privilege, then its password set. A re-run changes nothing more.
   * Refused, before its password changes, when the rules cannot be made
   * the same.
   */
  syncAlternate(input: AlternateSync): Promise<void>;
  /** The account's one password becomes `password`. */
  setPassword(account: string, password: string): Promise<void>;
  /** Ends the account's open connections (after a leak), where the target allows it. */
  endSessions(account: string): Promise<void>;
  close(): void;
}

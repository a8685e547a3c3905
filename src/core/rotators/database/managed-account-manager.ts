/**
 * Account changes on a managed database (an ApsaraDB RDS instance or a
 * PolarDB cluster, see managed-database.ts) through its product's API, for
 * secrets that name a `DBInstanceId` or a `DBClusterId`. It stands where
 * the master account's SQL session stands for a self-managed database: the
 * rotation function's RAM identity needs the product's DescribeAccounts,
 * CreateAccount, GrantAccountPrivilege and password action on the database,
 * and no database administrator password is kept anywhere. Logins that
 * test a password still go to the database itself.
 *
 * The products model privileges per database under a name: the alternate
 * account is given, on each database, the named privilege the current
 * account holds there, and holds none elsewhere.
 */
import type { AlternateAccounts, DatabaseSession } from "./database-accounts.ts";
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import type { ManagedAccount, ManagedDatabase } from "./managed-database.ts";

export class ManagedAccountManager implements DatabaseSession {
  readonly account: string;

  constructor(
    private readonly database: ManagedDatabase,
    private readonly step: string,
  ) {
    this.account = database.label;
  }

  async maxAccountNameLength(): Promise<number> {
    return this.database.maxAccountNameLength;
  }

  async changeOwnPassword(): Promise<void> {
    throw new DatabaseRotationRefusedError(
      `${this.step}: the ${this.database.product} API has no account of its own; reset a named account instead`,
    );
  }

  async accountExists(account: string): Promise<boolean> {
    return (await this.database.describeAccount(account)) !== undefined;
  }

  /**
   * Creates the alternate with the password when missing (a concurrent or
   * crashed run that created it already counts as existing), gives it on
   * every database the current account's named privilege, and resets its
   * password when it already existed. An alternate holding privileges on
   * a database where the current account holds none is refused first.
   */
  async syncAlternate(input: AlternateAccounts & { password: string }): Promise<void> {
    const { database } = this;
    if (database.namedPrivileges.size === 0) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: the ${database.product} API gives accounts on ${database.label} no privileges, so it cannot make ${JSON.stringify(input.alternate)} a twin of ${JSON.stringify(input.current)}; use two pre-created accounts (accounts)`,
      );
    }
    const current = await this.describe(input.current);
    if (current.accountType !== "Normal") {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(input.current)} on ${database.label} is a ${current.accountType} account; dual-account rotation over ${database.product} copies Normal accounts only (use two pre-created accounts)`,
      );
    }
    const custom = current.databasePrivileges.filter(
      (grant) => !database.namedPrivileges.has(grant.accountPrivilege),
    );
    if (custom.length > 0) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(input.current)} holds privileges ${database.product} cannot grant by name on ${custom.map((grant) => grant.dbName).join(", ")}; use two pre-created accounts`,
      );
    }
    const alternate = await database.describeAccount(input.alternate);
    refuseExtraPrivileges(this.step, database, input, current, alternate);
    let created = false;
    if (!alternate) created = await database.createAccount(input.alternate, input.password);
    const held = new Map(
      (alternate?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
    );
    const missing = current.databasePrivileges.filter(
      (grant) => held.get(grant.dbName) !== grant.accountPrivilege,
    );
    if (missing.length > 0) {
      await database.grant(
        input.alternate,
        missing.map((grant) => ({ dbName: grant.dbName, privilege: grant.accountPrivilege })),
      );
    }
    if (!created) await this.setPassword(input.alternate, input.password);
  }

  async setPassword(account: string, password: string): Promise<void> {
    await this.database.setPassword(account, password);
  }

  /**
   * Neither product's API has a call that ends an account's sessions: after
   * a leak the account's password is changed, and sessions already open
   * stay until they close.
   */
  async endSessions(): Promise<void> {}

  async close(): Promise<void> {}

  /** Accounts are read through the API when syncAlternate runs: nothing to read ahead. */
  async readAheadForSync(): Promise<void> {}

  private async describe(account: string): Promise<ManagedAccount> {
    const found = await this.database.describeAccount(account);
    if (!found) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(account)} does not exist on ${this.database.label}`,
      );
    }
    return found;
  }
}

/**
 * The alternate becomes current at the switch, so a privilege it holds on
 * a database where the current account holds none (granted by hand, or
 * kept after the current account lost it) would reach the application.
 * The function may not revoke (it is given no RevokeAccountPrivilege), so
 * the rotation stops here, before any change, and names what to align.
 */
function refuseExtraPrivileges(
  step: string,
  database: ManagedDatabase,
  input: AlternateAccounts,
  current: ManagedAccount,
  alternate: ManagedAccount | undefined,
): void {
  const held = new Set(current.databasePrivileges.map((grant) => grant.dbName));
  const extra = (alternate?.databasePrivileges ?? []).filter((grant) => !held.has(grant.dbName));
  if (extra.length === 0) return;
  throw new DatabaseRotationRefusedError(
    `${step}: account ${JSON.stringify(input.alternate)} on ${database.label} holds privileges on ${extra.map((grant) => grant.dbName).join(", ")}, where ${JSON.stringify(input.current)} holds none; the two accounts must hold the same privileges: revoke them from ${JSON.stringify(input.alternate)} (RevokeAccountPrivilege) or grant them to ${JSON.stringify(input.current)}`,
  );
}

/**
 * A database login whose own password changes through the product's API:
 * single-user rotation on a managed database, where the database itself
 * may refuse an account changing its password.
 */
export function withManagedPasswordReset(
  login: DatabaseSession,
  manager: ManagedAccountManager,
): DatabaseSession {
  return {
    account: login.account,
    maxAccountNameLength: () => manager.maxAccountNameLength(),
    changeOwnPassword: (newPassword) => manager.setPassword(login.account, newPassword),
    accountExists: (account) => manager.accountExists(account),
    syncAlternate: (input) => manager.syncAlternate(input),
    readAheadForSync: () => manager.readAheadForSync(),
    setPassword: (account, password) => manager.setPassword(account, password),
    endSessions: () => manager.endSessions(),
    close: () => login.close(),
  };
}

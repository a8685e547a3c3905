/**
 * Account changes on an ApsaraDB RDS instance through the RDS OpenAPI
 * (2014-08-15), for secrets that name a `DBInstanceId`. It stands where the
 * master account's SQL session stands for a self-managed database: the
 * rotation function's RAM identity needs rds:DescribeAccounts,
 * rds:CreateAccount, rds:GrantAccountPrivilege and rds:ResetAccountPassword
 * on the instance, and no database administrator password is kept anywhere.
 * Logins that test a password still go to the database itself.
 *
 * RDS models privileges per database under a name (MySQL family:
 * ReadWrite, ReadOnly, DDLOnly, DMLOnly; PostgreSQL: DBOwner): the alternate
 * account is given, on each database, the named privilege the current
 * account holds there.
 */
import { ApiError, type RdsAccount, type RdsAccountPrivilege, RdsClient } from "@rotor/cloud-api";
import { invocationCredentials } from "../../functions/invocation-credentials.ts";
import type { AlternateAccounts, DatabaseSession, ExternalRunner } from "./database-accounts.ts";
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import type { DatabaseEngineName } from "./database-secret-value.ts";

/** Where the rotator gets its RDS client: tests point it at a local cloud. */
export interface RdsDatabaseClients {
  /** RDS in `regionId` (undefined: the configured region), as the rotation function's identity. */
  rds(regionId: string | undefined): RdsClient;
}

/**
 * RDS as the current invocation (on Function Compute, the function role's
 * keys from context.credentials, see src/core/functions/invocation-credentials.ts;
 * elsewhere the standard credential chain), with the endpoint settings.
 */
export function defaultRdsDatabaseClients(): RdsDatabaseClients {
  return {
    rds: (regionId) =>
      new RdsClient({
        credentials: invocationCredentials(),
        ...(regionId === undefined ? {} : { region: regionId }),
      }),
  };
}

/** Privileges GrantAccountPrivilege takes by name, per engine; any other set RDS reports as `Custom`. */
const NAMED_PRIVILEGES: Record<DatabaseEngineName, ReadonlySet<string>> = {
  mysql: new Set<RdsAccountPrivilege>(["ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"]),
  postgres: new Set<RdsAccountPrivilege>(["DBOwner"]),
};

/** RDS's account name limits: MySQL 5.7/8.0 32 characters, PostgreSQL 63. */
const RDS_MAX_ACCOUNT_NAME: Record<DatabaseEngineName, number> = { mysql: 32, postgres: 63 };

export class RdsAccountManager implements DatabaseSession {
  readonly account: string;

  constructor(
    private readonly input: {
      engine: DatabaseEngineName;
      instanceId: string;
      client: RdsClient;
      run: ExternalRunner;
      step: string;
    },
  ) {
    this.account = `RDS instance ${input.instanceId}`;
  }

  async maxAccountNameLength(): Promise<number> {
    return RDS_MAX_ACCOUNT_NAME[this.input.engine];
  }

  async changeOwnPassword(): Promise<void> {
    throw new DatabaseRotationRefusedError(
      `${this.input.step}: the RDS API has no account of its own; reset a named account instead`,
    );
  }

  async accountExists(account: string): Promise<boolean> {
    return (await this.describe(account)) !== undefined;
  }

  /**
   * Creates the alternate with the password when missing (a concurrent or
   * crashed run that created it already counts as existing), gives it on
   * every database the current account's named privilege, and resets its
   * password when it already existed. Privileges the alternate holds on
   * other databases are left as they are.
   */
  async syncAlternate(input: AlternateAccounts & { password: string }): Promise<void> {
    const current = await this.describe(input.current);
    if (!current) {
      throw new DatabaseRotationRefusedError(
        `${this.input.step}: account ${JSON.stringify(input.current)} does not exist on ${this.account}`,
      );
    }
    if (current.accountType !== "Normal") {
      throw new DatabaseRotationRefusedError(
        `${this.input.step}: account ${JSON.stringify(input.current)} on ${this.account} is a ${current.accountType} account; dual-account rotation over RDS copies Normal accounts only (use two pre-created accounts)`,
      );
    }
    const custom = current.databasePrivileges.filter(
      (grant) => !NAMED_PRIVILEGES[this.input.engine].has(grant.accountPrivilege),
    );
    if (custom.length > 0) {
      throw new DatabaseRotationRefusedError(
        `${this.input.step}: account ${JSON.stringify(input.current)} holds privileges RDS cannot grant by name on ${custom.map((grant) => grant.dbName).join(", ")}; use two pre-created accounts`,
      );
    }
    const alternate = await this.describe(input.alternate);
    let created = false;
    if (!alternate) created = await this.create(input.alternate, input.password);
    const held = new Map(
      (alternate?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
    );
    const missing = current.databasePrivileges.filter(
      (grant) => held.get(grant.dbName) !== grant.accountPrivilege,
    );
    if (missing.length > 0) {
      await this.input.run("rds.GrantAccountPrivilege", () =>
        this.input.client.grantAccountPrivilege({
          dbInstanceId: this.input.instanceId,
          accountName: input.alternate,
          grants: missing.map((grant) => ({
            dbName: grant.dbName,
            privilege: grant.accountPrivilege as RdsAccountPrivilege,
          })),
        }),
      );
    }
    if (!created) await this.setPassword(input.alternate, input.password);
  }

  async setPassword(account: string, password: string): Promise<void> {
    await this.input.run("rds.ResetAccountPassword", () =>
      this.input.client.resetAccountPassword({
        dbInstanceId: this.input.instanceId,
        accountName: account,
        accountPassword: password,
      }),
    );
  }

  /**
   * The RDS OpenAPI has no call that ends an account's sessions: after a
   * leak the account's password is changed, and sessions already open stay
   * until they close.
   */
  async endSessions(): Promise<void> {}

  async close(): Promise<void> {}

  /** RDS accounts are read through the API when syncAlternate runs: nothing to read ahead. */
  async readAheadForSync(): Promise<void> {}

  private async describe(account: string): Promise<RdsAccount | undefined> {
    const { accounts } = await this.input.run("rds.DescribeAccounts", () =>
      this.input.client.describeAccounts({
        dbInstanceId: this.input.instanceId,
        accountName: account,
      }),
    );
    return accounts.find((entry) => entry.accountName === account);
  }

  /** True when this call created the account; false when it existed already. */
  private async create(account: string, password: string): Promise<boolean> {
    try {
      await this.input.run("rds.CreateAccount", () =>
        this.input.client.createAccount({
          dbInstanceId: this.input.instanceId,
          accountName: account,
          accountPassword: password,
          accountType: "Normal",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "InvalidAccountName.Duplicate") return false;
      throw error;
    }
  }
}

/**
 * A database login whose own password changes through RDS
 * (ResetAccountPassword): single-user rotation on an RDS instance, where
 * the database itself may refuse an account changing its password.
 */
export function withRdsPasswordReset(
  login: DatabaseSession,
  manager: RdsAccountManager,
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

/**
 * Typed calls to ApsaraDB RDS account management (API 2014-08-15): list an
 * instance's accounts with their per-database privileges, create an
 * account, grant it a privilege on databases, reset its password, and list
 * the addresses the instance is reached at. Passwords
 * travel as parameters only: they are never part of a result or an error.
 */
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { str, type WireObject, wrappedList } from "./response-fields.ts";

export type RdsClientOptions = Omit<CallerOptions, "product">;

/**
 * RDS's named privileges on a database: MySQL family ReadWrite, ReadOnly,
 * DDLOnly, DMLOnly; PostgreSQL DBOwner. `Custom` is reported for any other
 * set of grants.
 */
export type RdsAccountPrivilege = "ReadWrite" | "ReadOnly" | "DDLOnly" | "DMLOnly" | "DBOwner";

export interface RdsDatabasePrivilege {
  dbName: string;
  accountPrivilege: RdsAccountPrivilege | "Custom" | string;
  /** The grants behind it, e.g. `SELECT,INSERT`. */
  accountPrivilegeDetail: string;
}

export interface RdsAccount {
  dbInstanceId: string;
  accountName: string;
  /** `Available`, `Unavailable` or `Creating`. */
  accountStatus: string;
  /** `Normal` or `Super`. */
  accountType: string;
  databasePrivileges: RdsDatabasePrivilege[];
}

/** One address an instance is reached at (DescribeDBInstanceNetInfo). */
export interface RdsNetInfo {
  /** The DNS name, e.g. `rm-uf6wjk5xxxxxxx.mysql.rds.aliyuncs.com`. */
  connectionString: string;
  /** The address it resolves to. */
  ipAddress: string;
  port: number;
  /** `Private`/`Inner` (in the VPC or classic network) or `Public`. */
  ipType: string;
}

export class RdsClient {
  readonly caller: OpenApiCaller;

  constructor(options: RdsClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "rds" });
  }

  /** The instance's accounts, or only `accountName` (an empty list when it does not exist). */
  async describeAccounts(input: {
    dbInstanceId: string;
    accountName?: string | undefined;
  }): Promise<{ accounts: RdsAccount[]; requestId: string }> {
    const body = await this.caller.call<WireObject>("DescribeAccounts", {
      DBInstanceId: input.dbInstanceId,
      AccountName: input.accountName,
    });
    const accounts = wrappedList(body.Accounts, "DBInstanceAccount").map((entry) => {
      const account = entry as WireObject;
      return {
        dbInstanceId: str(account.DBInstanceId),
        accountName: str(account.AccountName),
        accountStatus: str(account.AccountStatus),
        accountType: str(account.AccountType),
        databasePrivileges: wrappedList(account.DatabasePrivileges, "DatabasePrivilege").map(
          (grant) => {
            const wire = grant as WireObject;
            return {
              dbName: str(wire.DBName),
              accountPrivilege: str(wire.AccountPrivilege),
              accountPrivilegeDetail: str(wire.AccountPrivilegeDetail),
            };
          },
        ),
      };
    });
    return { accounts, requestId: str(body.RequestId) };
  }

  async createAccount(input: {
    dbInstanceId: string;
    accountName: string;
    accountPassword: string;
    accountType?: "Normal" | "Super";
    accountDescription?: string;
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("CreateAccount", {
      DBInstanceId: input.dbInstanceId,
      AccountName: input.accountName,
      AccountPassword: input.accountPassword,
      AccountType: input.accountType,
      AccountDescription: input.accountDescription,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Sets the account's privilege on each database (one privilege per database, in order). */
  async grantAccountPrivilege(input: {
    dbInstanceId: string;
    accountName: string;
    grants: { dbName: string; privilege: RdsAccountPrivilege }[];
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("GrantAccountPrivilege", {
      DBInstanceId: input.dbInstanceId,
      AccountName: input.accountName,
      DBName: input.grants.map((grant) => grant.dbName).join(","),
      AccountPrivilege: input.grants.map((grant) => grant.privilege).join(","),
    });
    return { requestId: str(body.RequestId) };
  }

  async resetAccountPassword(input: {
    dbInstanceId: string;
    accountName: string;
    accountPassword: string;
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("ResetAccountPassword", {
      DBInstanceId: input.dbInstanceId,
      AccountName: input.accountName,
      AccountPassword: input.accountPassword,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Every address (connection string, IP and port) the instance is reached at. */
  async describeNetInfo(input: {
    dbInstanceId: string;
  }): Promise<{ addresses: RdsNetInfo[]; requestId: string }> {
    const body = await this.caller.call<WireObject>("DescribeDBInstanceNetInfo", {
      DBInstanceId: input.dbInstanceId,
    });
    const addresses = wrappedList(body.DBInstanceNetInfos, "DBInstanceNetInfo").map((entry) => {
      const info = entry as WireObject;
      return {
        connectionString: str(info.ConnectionString),
        ipAddress: str(info.IPAddress),
        port: Number(str(info.Port)),
        ipType: str(info.IPType),
      };
    });
    return { addresses, requestId: str(body.RequestId) };
  }
}

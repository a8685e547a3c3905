/**
 * Typed calls to PolarDB account management (API 2017-08-01): list a
 * cluster's accounts with their per-database privileges, create an account
 * (optionally with privileges on databases), grant privileges, change its
 * password or description, delete it; and list the addresses a cluster is
 * reached at. Passwords travel as parameters only:
 * they are never part of a result or an error.
 *
 * @example
 * const polardb = new PolarDbClient(); // ROTOR_ENDPOINT_POLARDB or ROTOR_ENDPOINT, else polardb.aliyuncs.com
 * await polardb.createAccount({ dbClusterId: "pc-…", accountName: "app", accountPassword, accountType: "Normal" });
 */
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { str, type WireObject } from "./response-fields.ts";

export type PolarDbClientOptions = Omit<CallerOptions, "product">;

/** PolarDB for MySQL's privileges on a database; `Custom` (local cloud) for grants that match none. */
export type PolarDbAccountPrivilege =
  | "ReadWrite"
  | "ReadOnly"
  | "DMLOnly"
  | "DDLOnly"
  | "ReadIndex";

export interface PolarDbDatabasePrivilege {
  dbName: string;
  accountPrivilege: PolarDbAccountPrivilege | string;
}

export interface PolarDbAccount {
  accountName: string;
  /** `Creating`, `Available` or `Deleting`. */
  accountStatus: string;
  /** `Normal` or `Super`. */
  accountType: string;
  accountDescription: string;
  /** `UnLock` or `Lock`. */
  accountLockState: string;
  /** Listed for standard accounts only. */
  databasePrivileges: PolarDbDatabasePrivilege[];
}

/** One endpoint of a cluster (DescribeDBClusterEndpoints) and the addresses it is reached at. */
export interface PolarDbEndpoint {
  dbEndpointId: string;
  /** `Cluster` (the default cluster endpoint), `Primary` or `Custom`. */
  endpointType: string;
  addresses: PolarDbEndpointAddress[];
}

export interface PolarDbEndpointAddress {
  /** The DNS name, e.g. `pc-bp1xxxxxxxxxxxxx.rwlb.rds.aliyuncs.com`. */
  connectionString: string;
  /** The address it resolves to. */
  ipAddress: string;
  port: number;
  /** `Private` (in the VPC), `Public` or `Inner` (the classic network). */
  netType: string;
}

type RequestId = { requestId: string };

/** A plain JSON list field (PolarDB does not wrap its lists); absent means empty. */
function list(value: unknown): WireObject[] {
  return Array.isArray(value) ? (value as WireObject[]) : [];
}

export class PolarDbClient {
  readonly caller: OpenApiCaller;

  constructor(options: PolarDbClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "polardb" });
  }

  /** The cluster's accounts, or only `accountName` (an empty list when it does not exist). */
  async describeAccounts(input: {
    dbClusterId: string;
    accountName?: string | undefined;
  }): Promise<{ accounts: PolarDbAccount[] } & RequestId> {
    const body = await this.caller.call<WireObject>("DescribeAccounts", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
    });
    const accounts = list(body.Accounts).map((account) => ({
      accountName: str(account.AccountName),
      accountStatus: str(account.AccountStatus),
      accountType: str(account.AccountType),
      accountDescription: str(account.AccountDescription),
      accountLockState: str(account.AccountLockState),
      databasePrivileges: list(account.DatabasePrivileges).map((grant) => ({
        dbName: str(grant.DBName),
        accountPrivilege: str(grant.AccountPrivilege),
      })),
    }));
    return { accounts, requestId: str(body.RequestId) };
  }

  /**
   * Creates an account. PolarDB makes a Super account when no type is
   * given: this client always sends one, Normal by default. `grants`
   * (standard accounts of PolarDB for MySQL clusters) are granted at once.
   */
  async createAccount(input: {
    dbClusterId: string;
    accountName: string;
    accountPassword: string;
    accountType?: "Normal" | "Super" | undefined;
    accountDescription?: string | undefined;
    grants?: { dbName: string; privilege: PolarDbAccountPrivilege }[] | undefined;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("CreateAccount", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
      AccountPassword: input.accountPassword,
      AccountType: input.accountType ?? "Normal",
      AccountDescription: input.accountDescription,
      DBName: input.grants?.map((grant) => grant.dbName).join(","),
      AccountPrivilege: input.grants?.map((grant) => grant.privilege).join(","),
    });
    return { requestId: str(body.RequestId) };
  }

  /** Sets the account's privilege on each database (PolarDB for MySQL clusters only). */
  async grantAccountPrivilege(input: {
    dbClusterId: string;
    accountName: string;
    grants: { dbName: string; privilege: PolarDbAccountPrivilege }[];
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("GrantAccountPrivilege", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
      DBName: input.grants.map((grant) => grant.dbName).join(","),
      AccountPrivilege: input.grants.map((grant) => grant.privilege).join(","),
    });
    return { requestId: str(body.RequestId) };
  }

  async modifyAccountPassword(input: {
    dbClusterId: string;
    accountName: string;
    newAccountPassword: string;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("ModifyAccountPassword", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
      NewAccountPassword: input.newAccountPassword,
    });
    return { requestId: str(body.RequestId) };
  }

  async modifyAccountDescription(input: {
    dbClusterId: string;
    accountName: string;
    accountDescription: string;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("ModifyAccountDescription", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
      AccountDescription: input.accountDescription,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Every endpoint of the cluster, each with the addresses (connection string, IP and port) it is reached at. */
  async describeEndpoints(input: {
    dbClusterId: string;
  }): Promise<{ endpoints: PolarDbEndpoint[] } & RequestId> {
    const body = await this.caller.call<WireObject>("DescribeDBClusterEndpoints", {
      DBClusterId: input.dbClusterId,
    });
    const endpoints = list(body.Items).map((item) => ({
      dbEndpointId: str(item.DBEndpointId),
      endpointType: str(item.EndpointType),
      addresses: list(item.AddressItems).map((address) => ({
        connectionString: str(address.ConnectionString),
        ipAddress: str(address.IPAddress),
        port: Number(str(address.Port)),
        netType: str(address.NetType),
      })),
    }));
    return { endpoints, requestId: str(body.RequestId) };
  }

  async deleteAccount(input: { dbClusterId: string; accountName: string }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("DeleteAccount", {
      DBClusterId: input.dbClusterId,
      AccountName: input.accountName,
    });
    return { requestId: str(body.RequestId) };
  }
}

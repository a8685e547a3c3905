/**
 * Typed calls to ApsaraDB for Redis/Tair account management (R-kvstore API
 * 2015-01-01): list an instance's accounts with their privilege, create an
 * account, change its privilege, reset or change its password, change its
 * description, delete it; and list the addresses the instance is reached
 * at. Passwords travel as parameters only: they are
 * never part of a result or an error.
 *
 * @example
 * const kvstore = new KvstoreClient(); // ROTOR_ENDPOINT_KVSTORE or ROTOR_ENDPOINT, else r-kvstore.aliyuncs.com
 * await kvstore.createAccount({ instanceId: "r-bp1…", accountName: "app", accountPassword, accountPrivilege: "RoleReadOnly" });
 */
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { str, type WireObject, wrappedList } from "./response-fields.ts";

export type KvstoreClientOptions = Omit<CallerOptions, "product">;

/** Read-only, read-write (the default), or read-write plus SYNC/PSYNC. */
export type KvstoreAccountPrivilege = "RoleReadOnly" | "RoleReadWrite" | "RoleRepl";

export interface KvstoreAccount {
  instanceId: string;
  accountName: string;
  /** `Available` or `Unavailable`. */
  accountStatus: string;
  /** `Normal`. */
  accountType: string;
  accountDescription: string;
  /** The account's privilege; `Custom` (local cloud) for ACL rules that match none. */
  accountPrivilege: KvstoreAccountPrivilege | string;
}

/** One address an instance is reached at (DescribeDBInstanceNetInfo). */
export interface KvstoreNetInfo {
  /** The DNS name, e.g. `r-bp1zxszhcgatnx****.redis.rds.aliyuncs.com`. */
  connectionString: string;
  /** The address it resolves to. */
  ipAddress: string;
  port: number;
  /** `0` internet, `1` classic network, `2` VPC. */
  netType: string;
}

type RequestId = { requestId: string };

export class KvstoreClient {
  readonly caller: OpenApiCaller;

  constructor(options: KvstoreClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "kvstore" });
  }

  /** The instance's accounts, or only `accountName` (an empty list when it does not exist). */
  async describeAccounts(input: {
    instanceId: string;
    accountName?: string | undefined;
  }): Promise<{ accounts: KvstoreAccount[] } & RequestId> {
    const body = await this.caller.call<WireObject>("DescribeAccounts", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
    });
    const accounts = wrappedList(body.Accounts, "Account").map((entry) => {
      const account = entry as WireObject;
      const [privilege] = wrappedList(account.DatabasePrivileges, "DatabasePrivilege");
      return {
        instanceId: str(account.InstanceId),
        accountName: str(account.AccountName),
        accountStatus: str(account.AccountStatus),
        accountType: str(account.AccountType),
        accountDescription: str(account.AccountDescription),
        accountPrivilege: str((privilege as WireObject | undefined)?.AccountPrivilege),
      };
    });
    return { accounts, requestId: str(body.RequestId) };
  }

  async createAccount(input: {
    instanceId: string;
    accountName: string;
    accountPassword: string;
    /** Default RoleReadWrite. */
    accountPrivilege?: KvstoreAccountPrivilege | undefined;
    accountDescription?: string | undefined;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("CreateAccount", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
      AccountPassword: input.accountPassword,
      AccountPrivilege: input.accountPrivilege,
      AccountType: "Normal",
      AccountDescription: input.accountDescription,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Replaces the account's privilege. */
  async grantAccountPrivilege(input: {
    instanceId: string;
    accountName: string;
    accountPrivilege: KvstoreAccountPrivilege;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("GrantAccountPrivilege", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
      AccountPrivilege: input.accountPrivilege,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Sets the password without knowing the current one. */
  async resetAccountPassword(input: {
    instanceId: string;
    accountName: string;
    accountPassword: string;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("ResetAccountPassword", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
      AccountPassword: input.accountPassword,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Changes the password; refused unless `oldAccountPassword` is the current one. */
  async modifyAccountPassword(input: {
    instanceId: string;
    accountName: string;
    oldAccountPassword: string;
    newAccountPassword: string;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("ModifyAccountPassword", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
      OldAccountPassword: input.oldAccountPassword,
      NewAccountPassword: input.newAccountPassword,
    });
    return { requestId: str(body.RequestId) };
  }

  async modifyAccountDescription(input: {
    instanceId: string;
    accountName: string;
    accountDescription: string;
  }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("ModifyAccountDescription", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
      AccountDescription: input.accountDescription,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Every address (connection string, IP and port) the instance is reached at. */
  async describeNetInfo(input: {
    instanceId: string;
  }): Promise<{ addresses: KvstoreNetInfo[]; networkType: string } & RequestId> {
    const body = await this.caller.call<WireObject>("DescribeDBInstanceNetInfo", {
      InstanceId: input.instanceId,
    });
    const addresses = wrappedList(body.NetInfoItems, "InstanceNetInfo").map((entry) => {
      const info = entry as WireObject;
      return {
        connectionString: str(info.ConnectionString),
        ipAddress: str(info.IPAddress),
        port: Number(str(info.Port)),
        netType: str(info.DBInstanceNetType),
      };
    });
    return {
      addresses,
      networkType: str(body.InstanceNetworkType),
      requestId: str(body.RequestId),
    };
  }

  async deleteAccount(input: { instanceId: string; accountName: string }): Promise<RequestId> {
    const body = await this.caller.call<WireObject>("DeleteAccount", {
      InstanceId: input.instanceId,
      AccountName: input.accountName,
    });
    return { requestId: str(body.RequestId) };
  }
}

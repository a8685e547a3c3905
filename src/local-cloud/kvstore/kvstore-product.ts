/**
 * ApsaraDB for Redis/Tair accounts (R-kvstore API 2015-01-01, RPC) in the
 * local cloud: DescribeAccounts, CreateAccount, GrantAccountPrivilege,
 * ResetAccountPassword, ModifyAccountPassword, ModifyAccountDescription and
 * DeleteAccount, and the instance's address (DescribeDBInstanceNetInfo).
 * Each InstanceId is a real Redis server (`redisInstances` in
 * LocalCloudOptions) whose ACL users are the accounts, so a password set
 * here really logs in and a privilege is what the server enforces
 * (redis-acl-accounts.ts).
 *
 * Every action reads and checks all of its parameters, then the caller's
 * RAM permission (`kvstore:<Action>` on
 * `acs:kvstore:{region}:{account}:instance/{id}`), then the instance; only
 * then does it touch the server. Nothing here logs or echoes a password.
 */
import type { AccountDescriptions } from "../account-descriptions.ts";
import { cloudErrors } from "../api-error.ts";
import { optionalEnum, optionalInteger, optionalString, requiredString } from "../params.ts";
import type { ActionContext, Product } from "../product.ts";
import {
  checkAccountDescription,
  checkAccountName,
  checkAccountPassword,
  isKvstorePrivilege,
  KVSTORE_ACCOUNT_TYPES,
  type KvstoreAccountPrivilege,
  kvstoreErrors,
} from "./kvstore-account-rules.ts";
import type { LocalRedisInstance, LocalRedisInstances } from "./local-redis-instance.ts";
import { type KvstoreAccount, redisAclAccounts } from "./redis-acl-accounts.ts";

export const KVSTORE_API_VERSION = "2015-01-01";

interface KvstoreDeps {
  region: string;
  accountId: string;
  /** Read on every call, so instances added after start are served too. */
  instances: () => LocalRedisInstances | undefined;
  descriptions: AccountDescriptions;
}

/** Instance ids: letters, digits and `-` (e.g. `r-bp1zxszhcgatnx****`). */
const INSTANCE_ID = /^[A-Za-z0-9-]{1,64}$/;

export function createKvstoreProduct(deps: KvstoreDeps): Product {
  const instanceArn = (id: string) => `acs:kvstore:${deps.region}:${deps.accountId}:instance/${id}`;

  /** The instance id of a request, read before any other parameter so errors name the right one. */
  const instanceIdOf = (ctx: ActionContext) => {
    const regionId = optionalString(ctx.params, "RegionId");
    if (regionId !== undefined && regionId !== deps.region) {
      throw cloudErrors.invalidParameter("RegionId", `this endpoint serves ${deps.region}`);
    }
    return requiredString(ctx.params, "InstanceId", {
      pattern: INSTANCE_ID,
      patternText: "is not an instance id",
    });
  };

  /** An account name in Tair's shape (the administrator's name is checked once the instance is known). */
  const accountNameOf = (ctx: ActionContext) => {
    const name = requiredString(ctx.params, "AccountName", { maxLength: 64 });
    checkAccountName(name);
    return name;
  };

  const passwordOf = (ctx: ActionContext, parameter: string) => {
    const password = requiredString(ctx.params, parameter);
    checkAccountPassword(parameter, password);
    return password;
  };

  const privilegeOf = (ctx: ActionContext, required: boolean) => {
    const value = required
      ? requiredString(ctx.params, "AccountPrivilege")
      : optionalString(ctx.params, "AccountPrivilege");
    if (value === undefined) return undefined;
    if (!isKvstorePrivilege(value)) throw kvstoreErrors.privilegeFormat();
    return value;
  };

  /** Authorizes the call on the instance, then finds it; an account name must not be its administrator's. */
  const instanceFor = (
    ctx: ActionContext,
    instanceId: string,
    accountName?: string,
  ): LocalRedisInstance => {
    ctx.authorize(`kvstore:${ctx.action}`, instanceArn(instanceId));
    const instances = deps.instances() ?? {};
    const instance = Object.hasOwn(instances, instanceId) ? instances[instanceId] : undefined;
    if (!instance) throw kvstoreErrors.instanceNotFound(instanceId);
    if (accountName !== undefined) checkAccountName(accountName, instance.adminUser);
    return instance;
  };

  const wireAccount = (instanceId: string, account: KvstoreAccount) => ({
    InstanceId: instanceId,
    AccountName: account.name,
    AccountStatus: account.status,
    AccountType: "Normal",
    AccountDescription: deps.descriptions.get(instanceId, account.name),
    DatabasePrivileges: { DatabasePrivilege: [{ AccountPrivilege: account.privilege }] },
  });

  return {
    code: "kvstore",
    apiVersion: KVSTORE_API_VERSION,
    actions: {
      async DescribeAccounts(ctx) {
        const instanceId = instanceIdOf(ctx);
        const accountName = optionalString(ctx.params, "AccountName", { maxLength: 64 });
        const pageSize = optionalInteger(ctx.params, "PageSize", { min: 1, max: 100 }) ?? 30;
        const pageNumber =
          optionalInteger(ctx.params, "PageNumber", { min: 1, max: 1_000_000 }) ?? 1;
        const instance = instanceFor(ctx, instanceId);
        const accounts = await redisAclAccounts.list(instance, accountName);
        const page = accounts.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          Accounts: { Account: page.map((account) => wireAccount(instanceId, account)) },
          PageNumber: pageNumber,
          PageSize: pageSize,
          TotalCount: accounts.length,
        };
      },

      async CreateAccount(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const password = passwordOf(ctx, "AccountPassword");
        const privilege: KvstoreAccountPrivilege = privilegeOf(ctx, false) ?? "RoleReadWrite";
        optionalEnum(ctx.params, "AccountType", KVSTORE_ACCOUNT_TYPES);
        const description = optionalString(ctx.params, "AccountDescription");
        if (description !== undefined) checkAccountDescription(description);
        const instance = instanceFor(ctx, instanceId, name);
        await redisAclAccounts.create(instance, { name, password, privilege });
        await deps.descriptions.set(instanceId, name, description);
        // Alibaba's answer spells it AcountName.
        return { InstanceId: instanceId, AcountName: name };
      },

      async GrantAccountPrivilege(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const privilege = privilegeOf(ctx, true) as KvstoreAccountPrivilege;
        const instance = instanceFor(ctx, instanceId, name);
        await redisAclAccounts.grant(instance, name, privilege);
        return {};
      },

      async ResetAccountPassword(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const password = passwordOf(ctx, "AccountPassword");
        const instance = instanceFor(ctx, instanceId, name);
        await redisAclAccounts.resetPassword(instance, name, password);
        return {};
      },

      async ModifyAccountPassword(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const oldPassword = requiredString(ctx.params, "OldAccountPassword");
        const newPassword = passwordOf(ctx, "NewAccountPassword");
        const instance = instanceFor(ctx, instanceId, name);
        await redisAclAccounts.modifyPassword(instance, name, oldPassword, newPassword);
        return {};
      },

      async ModifyAccountDescription(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const description = requiredString(ctx.params, "AccountDescription");
        checkAccountDescription(description);
        const instance = instanceFor(ctx, instanceId, name);
        const [account] = await redisAclAccounts.list(instance, name);
        if (!account) throw kvstoreErrors.accountNotFound(name);
        await deps.descriptions.set(instanceId, name, description);
        return {};
      },

      /**
       * The instance's one address: the server behind it, reached in a VPC
       * (DBInstanceNetType 2). The rotator checks a secret's host and port
       * against it before any login.
       */
      async DescribeDBInstanceNetInfo(ctx) {
        const instanceId = instanceIdOf(ctx);
        const instance = instanceFor(ctx, instanceId);
        return {
          InstanceNetworkType: "VPC",
          NetInfoItems: {
            InstanceNetInfo: [
              {
                ConnectionString: instance.host,
                IPAddress: instance.host,
                Port: String(instance.port),
                DBInstanceNetType: "2",
                IPType: "Private",
                VPCId: "",
                VSwitchId: "",
                VPCInstanceId: instanceId,
                Upgradeable: "0",
                ExpiredTime: "",
              },
            ],
          },
        };
      },

      async DeleteAccount(ctx) {
        const instanceId = instanceIdOf(ctx);
        const name = accountNameOf(ctx);
        const instance = instanceFor(ctx, instanceId, name);
        await redisAclAccounts.delete(instance, name);
        await deps.descriptions.set(instanceId, name, undefined);
        return {};
      },
    },
  };
}

/**
 * ApsaraDB RDS accounts (API 2014-08-15) in the local cloud: DescribeAccounts,
 * CreateAccount, GrantAccountPrivilege and ResetAccountPassword, and
 * DescribeDBInstanceAttribute and DescribeDBInstanceNetInfo for the
 * instance's engine and addresses. Each
 * DBInstanceId is a real MySQL-family or PostgreSQL server (`rdsInstances`
 * in LocalCloudOptions), so a password set here really logs in.
 *
 * Every action reads and checks all of its parameters, then the caller's
 * RAM permission (`rds:<Action>` on `acs:rds:{region}:{account}:dbinstance/{id}`),
 * then the instance; only then does it touch the server. Nothing here logs
 * or echoes a password.
 */
import { cloudErrors } from "../api-error.ts";
import { optionalEnum, optionalInteger, optionalString, requiredString } from "../params.ts";
import type { ActionContext, Product } from "../product.ts";
import type { LocalRdsInstance, LocalRdsInstances } from "./local-rds-instance.ts";
import {
  accountPrivilegesFor,
  checkAccountName,
  checkAccountPassword,
  checkDatabaseName,
  RDS_ACCOUNT_PRIVILEGES,
  RDS_ACCOUNT_TYPES,
  RDS_POSTGRES_ACCOUNT_PRIVILEGES,
  type RdsAccountPrivilege,
  type RdsPostgresAccountPrivilege,
  rdsErrors,
} from "./rds-account-rules.ts";
import type { RdsAccount } from "./rds-account-store.ts";
import { rdsMysqlAccounts } from "./rds-mysql-accounts.ts";
import { rdsPostgresAccounts } from "./rds-postgres-accounts.ts";

export const RDS_API_VERSION = "2014-08-15";

interface RdsDeps {
  region: string;
  accountId: string;
  /** Read on every call, so instances added after start are served too. */
  instances: () => LocalRdsInstances | undefined;
}

/** RDS instance ids: letters, digits and `-` (e.g. `rm-uf6wjk5xxxxxxx`). */
const INSTANCE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Every privilege name some engine takes: a name no engine knows is refused before the instance is looked up. */
const KNOWN_PRIVILEGES: readonly string[] = [
  ...RDS_ACCOUNT_PRIVILEGES,
  ...RDS_POSTGRES_ACCOUNT_PRIVILEGES,
];

/** The server behind the instance, spoken to in its own protocol. */
function accountsOf(instance: LocalRdsInstance) {
  return instance.engine === "PostgreSQL" ? rdsPostgresAccounts : rdsMysqlAccounts;
}

export function createRdsProduct(deps: RdsDeps): Product {
  const instanceArn = (id: string) => `acs:rds:${deps.region}:${deps.accountId}:dbinstance/${id}`;

  /** The instance id of a request, read before any other check so errors name the right parameter. */
  const instanceIdOf = (ctx: ActionContext) => {
    const regionId = optionalString(ctx.params, "RegionId");
    if (regionId !== undefined && regionId !== deps.region) {
      throw cloudErrors.invalidParameter("RegionId", `this endpoint serves ${deps.region}`);
    }
    return requiredString(ctx.params, "DBInstanceId", {
      pattern: INSTANCE_ID,
      patternText: "is not an instance id",
    });
  };

  /** Authorizes the call on the instance, then finds it. */
  const instanceFor = (ctx: ActionContext, instanceId: string): LocalRdsInstance => {
    ctx.authorize(`rds:${ctx.action}`, instanceArn(instanceId));
    const instances = deps.instances() ?? {};
    const instance = Object.hasOwn(instances, instanceId) ? instances[instanceId] : undefined;
    if (!instance) throw rdsErrors.instanceNotFound(instanceId);
    return instance;
  };

  /** An account name of the request: present and in RDS's shape for the instance. */
  const accountNameOf = (ctx: ActionContext, instance: LocalRdsInstance) => {
    const name = requiredString(ctx.params, "AccountName", { maxLength: 64 });
    checkAccountName(instance, name);
    return name;
  };

  const passwordOf = (ctx: ActionContext) => {
    const password = requiredString(ctx.params, "AccountPassword");
    checkAccountPassword(password);
    return password;
  };

  return {
    code: "rds",
    apiVersion: RDS_API_VERSION,
    actions: {
      async DescribeAccounts(ctx) {
        const instanceId = instanceIdOf(ctx);
        const accountName = optionalString(ctx.params, "AccountName", { maxLength: 64 });
        const pageSize = optionalInteger(ctx.params, "PageSize", { min: 1, max: 200 }) ?? 30;
        const pageNumber =
          optionalInteger(ctx.params, "PageNumber", { min: 1, max: 1_000_000 }) ?? 1;
        const instance = instanceFor(ctx, instanceId);
        const accounts = await accountsOf(instance).list(instance, accountName);
        const page = accounts.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          Accounts: { DBInstanceAccount: page.map((account) => wireAccount(instanceId, account)) },
        };
      },

      async CreateAccount(ctx) {
        const instanceId = instanceIdOf(ctx);
        const type = optionalEnum(ctx.params, "AccountType", RDS_ACCOUNT_TYPES) ?? "Normal";
        optionalString(ctx.params, "AccountDescription", { maxLength: 256 });
        const password = passwordOf(ctx);
        const instance = instanceFor(ctx, instanceId);
        const name = accountNameOf(ctx, instance);
        await accountsOf(instance).create(instance, { name, password, type });
        return {};
      },

      async GrantAccountPrivilege(ctx) {
        const instanceId = instanceIdOf(ctx);
        const databases = requiredString(ctx.params, "DBName").split(",");
        const privileges = requiredString(ctx.params, "AccountPrivilege").split(",");
        if (privileges.length !== databases.length) {
          throw rdsErrors.privilegeMalformed(
            "give one privilege per database in DBName, in the same order",
          );
        }
        const grants = databases.map((dbName, index) => {
          checkDatabaseName(dbName);
          const privilege = privileges[index] as string;
          if (!KNOWN_PRIVILEGES.includes(privilege)) {
            throw rdsErrors.privilegeMalformed(
              `must be one of ${RDS_ACCOUNT_PRIVILEGES.join(", ")} (MySQL, MariaDB) or ${RDS_POSTGRES_ACCOUNT_PRIVILEGES.join(", ")} (PostgreSQL)`,
            );
          }
          return { dbName, privilege };
        });
        const instance = instanceFor(ctx, instanceId);
        const name = accountNameOf(ctx, instance);
        const allowed = accountPrivilegesFor(instance);
        const refused = grants.find((grant) => !allowed.includes(grant.privilege));
        if (refused) {
          throw rdsErrors.privilegeMalformed(
            `${refused.privilege} is not a privilege of ${instance.engine} instances; use ${allowed.join(", ")}`,
          );
        }
        if (instance.engine === "PostgreSQL") {
          await rdsPostgresAccounts.grant(
            instance,
            name,
            grants as { dbName: string; privilege: RdsPostgresAccountPrivilege }[],
          );
        } else {
          await rdsMysqlAccounts.grant(
            instance,
            name,
            grants as { dbName: string; privilege: RdsAccountPrivilege }[],
          );
        }
        return {};
      },

      async ResetAccountPassword(ctx) {
        const instanceId = instanceIdOf(ctx);
        const password = passwordOf(ctx);
        const instance = instanceFor(ctx, instanceId);
        const name = accountNameOf(ctx, instance);
        await accountsOf(instance).resetPassword(instance, name, password);
        return {};
      },

      /** What a client needs to tell the engine and reach the instance; the server is not contacted. */
      async DescribeDBInstanceAttribute(ctx) {
        const instanceId = instanceIdOf(ctx);
        const instance = instanceFor(ctx, instanceId);
        return {
          Items: {
            DBInstanceAttribute: [
              {
                DBInstanceId: instanceId,
                Engine: instance.engine,
                DBInstanceStatus: "Running",
                DBInstanceType: "Primary",
                RegionId: deps.region,
                ConnectionString: instance.host,
                Port: String(instance.port),
              },
            ],
          },
        };
      },

      /** The instance's one address: the server behind it, reached in the VPC. */
      async DescribeDBInstanceNetInfo(ctx) {
        const instanceId = instanceIdOf(ctx);
        optionalEnum(ctx.params, "DBInstanceNetRWSplitType", [
          "Normal",
          "ReadWriteSplitting",
        ] as const);
        const instance = instanceFor(ctx, instanceId);
        return {
          InstanceNetworkType: "VPC",
          DBInstanceNetInfos: {
            DBInstanceNetInfo: [
              {
                ConnectionString: instance.host,
                IPAddress: instance.host,
                IPType: "Private",
                Port: String(instance.port),
                ConnectionStringType: "Normal",
              },
            ],
          },
        };
      },
    },
  };
}

/** One account in DescribeAccounts' shape. */
function wireAccount(instanceId: string, account: RdsAccount): Record<string, unknown> {
  return {
    DBInstanceId: instanceId,
    AccountName: account.name,
    AccountStatus: "Available",
    AccountType: account.type,
    AccountDescription: "",
    PrivExceeded: "0",
    DatabasePrivileges: {
      DatabasePrivilege: account.privileges.map((grant) => ({
        DBName: grant.dbName,
        AccountPrivilege: grant.privilege,
        AccountPrivilegeDetail: grant.detail,
      })),
    },
  };
}

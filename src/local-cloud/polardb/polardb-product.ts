/**
 * PolarDB accounts (API 2017-08-01, RPC) in the local cloud:
 * DescribeAccounts, CreateAccount, GrantAccountPrivilege,
 * ModifyAccountPassword, ModifyAccountDescription and DeleteAccount, and
 * DescribeDBClusterEndpoints, the address the cluster is reached at. Each
 * DBClusterId (`pc-…`) is a real MySQL-family or PostgreSQL server
 * (`polardbClusters` in LocalCloudOptions) managed with the local RDS
 * product's account stores, built with PolarDB's privilege names and error
 * codes, so a password set here really logs in.
 *
 * Every action reads and checks all of its parameters, then the caller's
 * RAM permission (`polardb:<Action>` on
 * `acs:polardb:{region}:{account}:dbcluster/{id}`), then the cluster; only
 * then does it touch the server. Nothing here logs or echoes a password.
 */
import type { AccountDescriptions } from "../account-descriptions.ts";
import { cloudErrors } from "../api-error.ts";
import { optionalEnum, optionalInteger, optionalString, requiredString } from "../params.ts";
import type { ActionContext, Product } from "../product.ts";
import type { RdsAccount } from "../rds/rds-account-store.ts";
import { mysqlAccountStore } from "../rds/rds-mysql-accounts.ts";
import { postgresAccountStore } from "../rds/rds-postgres-accounts.ts";
import {
  type LocalPolarDbCluster,
  type LocalPolarDbClusters,
  serverOf,
} from "./local-polardb-cluster.ts";
import {
  checkAccountDescription,
  checkAccountName,
  checkAccountPassword,
  checkClusterId,
  checkDatabaseName,
  isPolarDbPrivilege,
  POLARDB_ACCOUNT_PRIVILEGES,
  POLARDB_ACCOUNT_TYPES,
  POLARDB_MYSQL_PRIVILEGE_GRANTS,
  type PolarDbAccountPrivilege,
  polardbErrors,
} from "./polardb-account-rules.ts";

export const POLARDB_API_VERSION = "2017-08-01";

interface PolarDbDeps {
  region: string;
  accountId: string;
  /** Read on every call, so clusters added after start are served too. */
  clusters: () => LocalPolarDbClusters | undefined;
  descriptions: AccountDescriptions;
}

const mysqlAccounts = mysqlAccountStore({
  privileges: POLARDB_MYSQL_PRIVILEGE_GRANTS,
  errors: polardbErrors,
});
const postgresAccounts = postgresAccountStore({ errors: polardbErrors });

/** The server behind the cluster, spoken to in its own protocol. */
function accountsOf(cluster: LocalPolarDbCluster) {
  return cluster.engine === "PostgreSQL" ? postgresAccounts : mysqlAccounts;
}

type Grant = { dbName: string; privilege: PolarDbAccountPrivilege };

export function createPolarDbProduct(deps: PolarDbDeps): Product {
  const clusterArn = (id: string) => `acs:polardb:${deps.region}:${deps.accountId}:dbcluster/${id}`;

  /** The cluster id of a request, read before any other parameter so errors name the right one. */
  const clusterIdOf = (ctx: ActionContext) => {
    const regionId = optionalString(ctx.params, "RegionId");
    if (regionId !== undefined && regionId !== deps.region) {
      throw cloudErrors.invalidParameter("RegionId", `this endpoint serves ${deps.region}`);
    }
    const id = requiredString(ctx.params, "DBClusterId", { maxLength: 64 });
    checkClusterId(id);
    return id;
  };

  /** Authorizes the call on the cluster, then finds it. */
  const clusterFor = (ctx: ActionContext, clusterId: string): LocalPolarDbCluster => {
    ctx.authorize(`polardb:${ctx.action}`, clusterArn(clusterId));
    const clusters = deps.clusters() ?? {};
    const cluster = Object.hasOwn(clusters, clusterId) ? clusters[clusterId] : undefined;
    if (!cluster) throw polardbErrors.clusterNotFound(clusterId);
    return cluster;
  };

  /** An account name of the request: present and in PolarDB's shape for the cluster. */
  const accountNameOf = (ctx: ActionContext, cluster: LocalPolarDbCluster) => {
    const name = requiredString(ctx.params, "AccountName", { maxLength: 64 });
    checkAccountName(cluster, name);
    return name;
  };

  const passwordOf = (ctx: ActionContext, parameter: string) => {
    const password = requiredString(ctx.params, parameter);
    checkAccountPassword(password);
    return password;
  };

  const descriptionOf = (ctx: ActionContext, required: boolean) => {
    const description = required
      ? requiredString(ctx.params, "AccountDescription")
      : optionalString(ctx.params, "AccountDescription");
    if (description !== undefined) checkAccountDescription(description);
    return description;
  };

  /**
   * DBName and AccountPrivilege, comma-separated and in the same order (one
   * privilege for every database when AccountPrivilege names only one;
   * ReadWrite when CreateAccount names none).
   */
  const grantsOf = (ctx: ActionContext, privilegeRequired: boolean): Grant[] | undefined => {
    const databaseList = optionalString(ctx.params, "DBName");
    const privilegeList = privilegeRequired
      ? requiredString(ctx.params, "AccountPrivilege", { maxLength: 900 })
      : optionalString(ctx.params, "AccountPrivilege", { maxLength: 900 });
    if (databaseList === undefined) {
      if (privilegeRequired) throw cloudErrors.missingParameter("DBName");
      return undefined;
    }
    const databases = databaseList.split(",");
    const privileges = (privilegeList ?? "ReadWrite").split(",");
    if (privileges.length !== databases.length && privileges.length !== 1) {
      throw polardbErrors.privilegeMalformed(
        "give one privilege per database in DBName, in the same order",
      );
    }
    return databases.map((dbName, index) => {
      checkDatabaseName(dbName);
      const privilege = (privileges.length === 1 ? privileges[0] : privileges[index]) as string;
      if (!isPolarDbPrivilege(privilege)) {
        throw polardbErrors.privilegeMalformed(
          `use one of ${POLARDB_ACCOUNT_PRIVILEGES.join(", ")}`,
        );
      }
      return { dbName, privilege };
    });
  };

  const wireAccount = (clusterId: string, account: RdsAccount) => ({
    AccountName: account.name,
    AccountStatus: "Available",
    AccountDescription: deps.descriptions.get(clusterId, account.name),
    AccountType: account.type,
    AccountLockState: "UnLock",
    // PolarDB lists database privileges for standard accounts only.
    DatabasePrivileges:
      account.type === "Super"
        ? []
        : account.privileges.map((grant) => ({
            DBName: grant.dbName,
            AccountPrivilege: grant.privilege,
          })),
  });

  return {
    code: "polardb",
    apiVersion: POLARDB_API_VERSION,
    actions: {
      async DescribeAccounts(ctx) {
        const clusterId = clusterIdOf(ctx);
        const accountName = optionalString(ctx.params, "AccountName", { maxLength: 64 });
        const pageSize = optionalInteger(ctx.params, "PageSize", { min: 1, max: 100 }) ?? 30;
        const pageNumber =
          optionalInteger(ctx.params, "PageNumber", { min: 1, max: 2_147_483_647 }) ?? 1;
        const cluster = clusterFor(ctx, clusterId);
        const accounts = await accountsOf(cluster).list(serverOf(cluster), accountName);
        const page = accounts.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          Accounts: page.map((account) => wireAccount(clusterId, account)),
          PageNumber: pageNumber,
          PageRecordCount: page.length,
        };
      },

      async CreateAccount(ctx) {
        const clusterId = clusterIdOf(ctx);
        const password = passwordOf(ctx, "AccountPassword");
        const type = optionalEnum(ctx.params, "AccountType", POLARDB_ACCOUNT_TYPES) ?? "Super";
        const description = descriptionOf(ctx, false);
        const grants = grantsOf(ctx, false);
        const cluster = clusterFor(ctx, clusterId);
        const name = accountNameOf(ctx, cluster);
        if (grants !== undefined && (cluster.engine !== "MySQL" || type !== "Normal")) {
          throw polardbErrors.postgresPrivilege("DBName");
        }
        const server = serverOf(cluster);
        if (cluster.engine === "MySQL" && type === "Super") {
          const accounts = await mysqlAccounts.list(server);
          if (accounts.some((account) => account.type === "Super")) {
            throw polardbErrors.superAccountExists();
          }
        }
        if (cluster.engine === "MySQL") {
          await mysqlAccounts.create(server, { name, password, type, grants });
        } else {
          await postgresAccounts.create(server, { name, password, type });
        }
        await deps.descriptions.set(clusterId, name, description);
        return {};
      },

      async GrantAccountPrivilege(ctx) {
        const clusterId = clusterIdOf(ctx);
        const grants = grantsOf(ctx, true) as Grant[];
        const cluster = clusterFor(ctx, clusterId);
        const name = accountNameOf(ctx, cluster);
        if (cluster.engine !== "MySQL") throw polardbErrors.postgresPrivilege(ctx.action);
        await mysqlAccounts.grant(serverOf(cluster), name, grants);
        return {};
      },

      async ModifyAccountPassword(ctx) {
        const clusterId = clusterIdOf(ctx);
        const password = passwordOf(ctx, "NewAccountPassword");
        const cluster = clusterFor(ctx, clusterId);
        const name = accountNameOf(ctx, cluster);
        await accountsOf(cluster).resetPassword(serverOf(cluster), name, password);
        return {};
      },

      async ModifyAccountDescription(ctx) {
        const clusterId = clusterIdOf(ctx);
        const description = descriptionOf(ctx, true);
        const cluster = clusterFor(ctx, clusterId);
        const name = accountNameOf(ctx, cluster);
        const [account] = await accountsOf(cluster).list(serverOf(cluster), name);
        if (!account) throw polardbErrors.accountNotFound(name);
        await deps.descriptions.set(clusterId, name, description);
        return {};
      },

      /**
       * The cluster's one endpoint: its default cluster endpoint, reached in
       * the VPC at the server behind it. The server is not contacted.
       */
      async DescribeDBClusterEndpoints(ctx) {
        const clusterId = clusterIdOf(ctx);
        const endpointId = optionalString(ctx.params, "DBEndpointId", { maxLength: 64 });
        optionalString(ctx.params, "DescribeType", { maxLength: 64 });
        const cluster = clusterFor(ctx, clusterId);
        const endpoint = clusterEndpoint(clusterId, cluster);
        return {
          Items: endpointId === undefined || endpointId === endpoint.DBEndpointId ? [endpoint] : [],
        };
      },

      async DeleteAccount(ctx) {
        const clusterId = clusterIdOf(ctx);
        const cluster = clusterFor(ctx, clusterId);
        const name = accountNameOf(ctx, cluster);
        await accountsOf(cluster).delete(serverOf(cluster), name);
        await deps.descriptions.set(clusterId, name, undefined);
        return {};
      },
    },
  };
}

/** The default cluster endpoint of a local cluster, in DescribeDBClusterEndpoints' shape. */
function clusterEndpoint(clusterId: string, cluster: LocalPolarDbCluster) {
  // Ids derived from the cluster's, so they stay the same across calls and restarts.
  const tail = clusterId.slice("pc-".length);
  return {
    DBClusterId: clusterId,
    DBEndpointId: `pe-${tail}`,
    EndpointType: "Cluster",
    ReadWriteMode: "ReadWrite",
    AutoAddNewNodes: "Enable",
    Nodes: `pi-${tail}`,
    AddressItems: [
      {
        ConnectionString: cluster.host,
        IPAddress: cluster.host,
        NetType: "Private",
        Port: String(cluster.port),
        VPCId: `vpc-${tail}`,
        VSwitchId: `vsw-${tail}`,
      },
    ],
  };
}

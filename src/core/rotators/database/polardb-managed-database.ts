/**
 * A PolarDB cluster's accounts through the PolarDB OpenAPI (2017-08-01),
 * as a ManagedDatabase. PolarDB for MySQL grants a standard account a
 * named privilege per database (ReadWrite, ReadOnly, DMLOnly, DDLOnly,
 * ReadIndex); PolarDB for PostgreSQL's API gives accounts no privileges at
 * all, so there the rotators only change passwords of accounts that exist.
 * The addresses a cluster is reached at are its endpoints' addresses
 * (DescribeDBClusterEndpoints).
 */
import type { PolarDbAccountPrivilege, PolarDbClient } from "@rotor/cloud-api";
import { ApiError } from "@rotor/cloud-api";
import type { ExternalRunner } from "./database-accounts.ts";
import type { DatabaseEngineName } from "./database-secret-value.ts";
import type { ManagedDatabase } from "./managed-database.ts";

/** Privileges GrantAccountPrivilege takes by name, per edition. */
const NAMED_PRIVILEGES: Record<DatabaseEngineName, ReadonlySet<string>> = {
  mysql: new Set<PolarDbAccountPrivilege>([
    "ReadWrite",
    "ReadOnly",
    "DMLOnly",
    "DDLOnly",
    "ReadIndex",
  ]),
  postgres: new Set(),
};

/** PolarDB's account names: 2 to 16 characters on both editions. */
const MAX_ACCOUNT_NAME = 16;

export function polarDbManagedDatabase(input: {
  engine: DatabaseEngineName;
  clusterId: string;
  client: PolarDbClient;
  run: ExternalRunner;
}): ManagedDatabase {
  const { client, run, clusterId } = input;
  return {
    product: "PolarDB",
    label: `PolarDB cluster ${clusterId}`,
    maxAccountNameLength: MAX_ACCOUNT_NAME,
    namedPrivileges: NAMED_PRIVILEGES[input.engine],

    async describeAccount(name) {
      const { accounts } = await run("polardb.DescribeAccounts", () =>
        client.describeAccounts({ dbClusterId: clusterId, accountName: name }),
      );
      return accounts.find((account) => account.accountName === name);
    },

    async createAccount(name, password) {
      try {
        await run("polardb.CreateAccount", () =>
          client.createAccount({
            dbClusterId: clusterId,
            accountName: name,
            accountPassword: password,
            accountType: "Normal",
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.code === "InvalidAccountName.Duplicate")
          return false;
        throw error;
      }
    },

    async grant(name, grants) {
      await run("polardb.GrantAccountPrivilege", () =>
        client.grantAccountPrivilege({
          dbClusterId: clusterId,
          accountName: name,
          grants: grants.map((grant) => ({
            dbName: grant.dbName,
            privilege: grant.privilege as PolarDbAccountPrivilege,
          })),
        }),
      );
    },

    async setPassword(name, password) {
      await run("polardb.ModifyAccountPassword", () =>
        client.modifyAccountPassword({
          dbClusterId: clusterId,
          accountName: name,
          newAccountPassword: password,
        }),
      );
    },

    async addresses() {
      const { endpoints } = await run("polardb.DescribeDBClusterEndpoints", () =>
        client.describeEndpoints({ dbClusterId: clusterId }),
      );
      return endpoints.flatMap((endpoint) => endpoint.addresses);
    },
  };
}

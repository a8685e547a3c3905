/**
 * An ApsaraDB RDS instance's accounts through the RDS OpenAPI (2014-08-15),
 * as a ManagedDatabase. RDS models privileges per database under a name
 * (MySQL family: ReadWrite, ReadOnly, DDLOnly, DMLOnly; PostgreSQL:
 * DBOwner) and reports any other set of grants as `Custom`.
 */
import type { RdsAccountPrivilege, RdsClient } from "@rotor/cloud-api";
import { ApiError } from "@rotor/cloud-api";
import type { ExternalRunner } from "./database-accounts.ts";
import type { DatabaseEngineName } from "./database-secret-value.ts";
import type { ManagedDatabase } from "./managed-database.ts";

/** Privileges GrantAccountPrivilege takes by name, per engine. */
const NAMED_PRIVILEGES: Record<DatabaseEngineName, ReadonlySet<string>> = {
  mysql: new Set<RdsAccountPrivilege>(["ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"]),
  postgres: new Set<RdsAccountPrivilege>(["DBOwner"]),
};

/** RDS's account name limits: MySQL 5.7/8.0 32 characters, PostgreSQL 63 (MariaDB's 16 RDS enforces itself). */
const MAX_ACCOUNT_NAME: Record<DatabaseEngineName, number> = { mysql: 32, postgres: 63 };

export function rdsManagedDatabase(input: {
  engine: DatabaseEngineName;
  instanceId: string;
  client: RdsClient;
  run: ExternalRunner;
}): ManagedDatabase {
  const { client, run, instanceId } = input;
  return {
    product: "RDS",
    label: `RDS instance ${instanceId}`,
    maxAccountNameLength: MAX_ACCOUNT_NAME[input.engine],
    namedPrivileges: NAMED_PRIVILEGES[input.engine],

    async describeAccount(name) {
      const { accounts } = await run("rds.DescribeAccounts", () =>
        client.describeAccounts({ dbInstanceId: instanceId, accountName: name }),
      );
      return accounts.find((account) => account.accountName === name);
    },

    async createAccount(name, password) {
      try {
        await run("rds.CreateAccount", () =>
          client.createAccount({
            dbInstanceId: instanceId,
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
      await run("rds.GrantAccountPrivilege", () =>
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: grants.map((grant) => ({
            dbName: grant.dbName,
            privilege: grant.privilege as RdsAccountPrivilege,
          })),
        }),
      );
    },

    async setPassword(name, password) {
      await run("rds.ResetAccountPassword", () =>
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: password,
        }),
      );
    },

    async addresses() {
      const { addresses } = await run("rds.DescribeDBInstanceNetInfo", () =>
        client.describeNetInfo({ dbInstanceId: instanceId }),
      );
      return addresses;
    },
  };
}

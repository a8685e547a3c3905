/**
 * The local cloud's RDS account actions on an instance backed by a real
 * MariaDB: the cases every engine shares (rds-account-cases.ts), then
 * MySQL's own: its privilege names and what the server enforces for them,
 * its account name rules.
 */
import { describe, expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { skipUnlessMariaDb } from "../../support/mariadb.ts";
import { useLocalRds } from "./local-rds.ts";
import {
  describedAccount,
  newRdsAccount,
  privilegesOf,
  rdsAccountName,
  rdsPassword,
} from "./local-rds-world.ts";
import { rdsAccountCases } from "./rds-account-cases.ts";

const TIMEOUT = 60_000;

describe.skipIf(skipUnlessMariaDb())("local cloud RDS accounts on a real MariaDB", () => {
  const world = useLocalRds();
  rdsAccountCases(world, TIMEOUT);

  it(
    "GrantAccountPrivilege gives per-database privileges that the server enforces and DescribeAccounts names",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase, runAs } = world();
      const [writable, readable] = [await createDatabase(), await createDatabase()];
      const { name, password } = await newRdsAccount(world());
      // Act
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [
          { dbName: writable, privilege: "ReadWrite" },
          { dbName: readable, privilege: "ReadOnly" },
        ],
      });
      const privileges = await privilegesOf(world(), name);
      // Assess
      expect(privileges).toEqual({ [writable]: "ReadWrite", [readable]: "ReadOnly" });
      await runAs(name, password, writable, "INSERT INTO items VALUES (1)");
      await runAs(name, password, readable, "SELECT * FROM items");
      await expect(runAs(name, password, readable, "INSERT INTO items VALUES (1)")).rejects.toThrow(
        /denied/i,
      );
    },
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege on a database replaces the privilege held there",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase } = world();
      const database = await createDatabase();
      const { name } = await newRdsAccount(world());
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [{ dbName: database, privilege: "ReadWrite" }],
      });
      // Act
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [{ dbName: database, privilege: "DMLOnly" }],
      });
      // Assess
      const account = await describedAccount(world(), name);
      expect(account?.databasePrivileges.map((grant) => grant.accountPrivilege)).toEqual([
        "DMLOnly",
      ]);
    },
    TIMEOUT,
  );

  it(
    "refuses bad requests with RDS's error codes and changes nothing",
    async () => {
      // Prepare
      const { rds, instanceId, canLogin } = world();
      const { name, password } = await newRdsAccount(world());
      const client = rds({ retry: { attempts: 1 } });
      const weak = "alllowercase1";
      // Act
      const duplicate = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: rdsPassword(),
        }),
      );
      const badName = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: "9starts_with_digit",
          accountPassword: rdsPassword(),
        }),
      );
      const badPassword = await apiFailureOf(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: weak,
        }),
      );
      const unknownInstance = await apiFailureOf(
        client.resetAccountPassword({
          dbInstanceId: "rm-doesnotexist",
          accountName: name,
          accountPassword: rdsPassword(),
        }),
      );
      const unknownAccount = await apiFailureOf(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: rdsAccountName("gone"),
          accountPassword: rdsPassword(),
        }),
      );
      const unknownDatabase = await apiFailureOf(
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: [{ dbName: "no_such_db", privilege: "ReadOnly" }],
        }),
      );
      // Assess
      expect([duplicate.code, duplicate.statusCode]).toEqual(["InvalidAccountName.Duplicate", 400]);
      expect(badName.code).toBe("InvalidAccountName.Malformed");
      expect(badPassword.code).toBe("InvalidAccountPassword.Malformed");
      expect(badPassword.message).toMatch(/three of/);
      expect(badPassword.message).not.toContain(weak);
      expect([unknownInstance.code, unknownInstance.statusCode]).toEqual([
        "InvalidDBInstanceId.NotFound",
        404,
      ]);
      expect(unknownAccount.code).toBe("InvalidAccountName.NotFound");
      expect(unknownDatabase.code).toBe("InvalidDBName.NotFound");
      expect(await canLogin(name, password)).toBe(true);
      expect(await canLogin("9starts_with_digit", password)).toBe(false);
    },
    TIMEOUT,
  );
});

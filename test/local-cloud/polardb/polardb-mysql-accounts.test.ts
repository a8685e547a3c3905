/**
 * The local cloud's PolarDB account actions on a PolarDB for MySQL cluster
 * backed by a real MariaDB: the cases both editions share
 * (polardb-account-cases.ts), then MySQL's own: privileges on databases the
 * server enforces, CreateAccount's default Super type and its one
 * privileged account per cluster.
 */
import { describe, expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { skipUnlessMariaDb } from "../../support/mariadb.ts";
import {
  describedAccount,
  newPolarDbAccount,
  polarDbAccountName,
  polarDbPassword,
  useLocalPolarDb,
} from "./local-polardb-world.ts";
import { polarDbAccountCases } from "./polardb-account-cases.ts";

const TIMEOUT = 60_000;

describe.skipIf(skipUnlessMariaDb())(
  "local cloud PolarDB for MySQL accounts on a real MariaDB",
  () => {
    const world = useLocalPolarDb("MySQL");
    polarDbAccountCases(world, TIMEOUT);

    it(
      "CreateAccount with DBName grants the privileges at once; the server enforces them",
      async () => {
        // Prepare
        const { polardb, clusterId, createDatabase, runAs } = world();
        const [writable, readable] = [await createDatabase(), await createDatabase()];
        const name = polarDbAccountName();
        const password = polarDbPassword();
        // Act
        await polardb().createAccount({
          dbClusterId: clusterId,
          accountName: name,
          accountPassword: password,
          grants: [
            { dbName: writable, privilege: "ReadWrite" },
            { dbName: readable, privilege: "ReadOnly" },
          ],
        });
        const account = await describedAccount(world(), name);
        // Assess
        expect(account?.databasePrivileges).toEqual(
          [
            { dbName: readable, accountPrivilege: "ReadOnly" },
            { dbName: writable, accountPrivilege: "ReadWrite" },
          ].sort((a, b) => a.dbName.localeCompare(b.dbName)),
        );
        await runAs(name, password, writable, "INSERT INTO items VALUES (1)");
        await runAs(name, password, readable, "SELECT * FROM items");
        await expect(
          runAs(name, password, readable, "INSERT INTO items VALUES (1)"),
        ).rejects.toThrow(/denied/i);
      },
      TIMEOUT,
    );

    it(
      "GrantAccountPrivilege replaces the privilege on a database, ReadIndex included",
      async () => {
        // Prepare
        const { polardb, clusterId, createDatabase, runAs } = world();
        const database = await createDatabase();
        const { name, password } = await newPolarDbAccount(world());
        await polardb().grantAccountPrivilege({
          dbClusterId: clusterId,
          accountName: name,
          grants: [{ dbName: database, privilege: "ReadWrite" }],
        });
        // Act
        await polardb().grantAccountPrivilege({
          dbClusterId: clusterId,
          accountName: name,
          grants: [{ dbName: database, privilege: "ReadIndex" }],
        });
        // Assess
        expect((await describedAccount(world(), name))?.databasePrivileges).toEqual([
          { dbName: database, accountPrivilege: "ReadIndex" },
        ]);
        await runAs(name, password, database, "CREATE INDEX by_id ON items (id)");
        await expect(
          runAs(name, password, database, "INSERT INTO items VALUES (2)"),
        ).rejects.toThrow(/denied/i);
      },
      TIMEOUT,
    );

    it(
      "a database that does not exist is refused before anything changes",
      async () => {
        // Prepare
        const { polardb, clusterId, createDatabase, canLogin } = world();
        const database = await createDatabase();
        const { name } = await newPolarDbAccount(world());
        const fresh = polarDbAccountName("none");
        const client = polardb({ retry: { attempts: 1 } });
        // Act
        const onGrant = await apiFailureOf(
          client.grantAccountPrivilege({
            dbClusterId: clusterId,
            accountName: name,
            grants: [
              { dbName: database, privilege: "ReadWrite" },
              { dbName: "no_such_db", privilege: "ReadOnly" },
            ],
          }),
        );
        const onCreate = await apiFailureOf(
          client.createAccount({
            dbClusterId: clusterId,
            accountName: fresh,
            accountPassword: polarDbPassword(),
            grants: [{ dbName: "no_such_db", privilege: "ReadOnly" }],
          }),
        );
        const badPrivilege = await apiFailureOf(
          client.caller.call("GrantAccountPrivilege", {
            DBClusterId: clusterId,
            AccountName: name,
            DBName: database,
            AccountPrivilege: "DBOwner",
          }),
        );
        // Assess
        expect([onGrant.code, onCreate.code]).toEqual([
          "InvalidDBName.NotFound",
          "InvalidDBName.NotFound",
        ]);
        expect(badPrivilege.code).toBe("InvalidAccountPrivilege.Malformed");
        expect((await describedAccount(world(), name))?.databasePrivileges).toEqual([]);
        expect(await describedAccount(world(), fresh)).toBeUndefined();
        expect(await canLogin(fresh, "anything-1A")).toBe(false);
      },
      TIMEOUT,
    );

    it(
      "CreateAccount without AccountType makes the cluster's one Super account; a second is refused",
      async () => {
        // Prepare
        const { polardb, clusterId, canLogin, runAs } = world();
        const client = polardb({ retry: { attempts: 1 } });
        const [first, second] = [polarDbAccountName("super"), polarDbAccountName("super")];
        const password = polarDbPassword();
        // Act
        await client.caller.call("CreateAccount", {
          DBClusterId: clusterId,
          AccountName: first,
          AccountPassword: password,
        });
        const refused = await apiFailureOf(
          client.caller.call("CreateAccount", {
            DBClusterId: clusterId,
            AccountName: second,
            AccountPassword: polarDbPassword(),
            AccountType: "Super",
          }),
        );
        const account = await describedAccount(world(), first);
        // Assess
        expect([account?.accountType, account?.databasePrivileges]).toEqual(["Super", []]);
        await runAs(first, password, "mysql", "CREATE DATABASE IF NOT EXISTS made_by_super");
        expect(refused.code).toBe("OperationDenied.PrivilegedAccountExists");
        expect(await canLogin(second, password)).toBe(false);
      },
      TIMEOUT,
    );
  },
);

/**
 * The local cloud's PolarDB account actions on a PolarDB for PostgreSQL
 * cluster backed by a real PostgreSQL: the cases both editions share
 * (polardb-account-cases.ts), then PostgreSQL's own: privileged accounts,
 * no database privileges through the API, and DeleteAccount refusing an
 * account that owns objects.
 */
import { describe, expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { skipUnlessPostgres } from "../../support/postgres.ts";
import {
  describedAccount,
  newPolarDbAccount,
  polarDbAccountName,
  polarDbPassword,
  useLocalPolarDb,
} from "./local-polardb-world.ts";
import { polarDbAccountCases } from "./polardb-account-cases.ts";

const TIMEOUT = 90_000;

describe.skipIf(await skipUnlessPostgres())(
  "local cloud PolarDB for PostgreSQL accounts on a real PostgreSQL",
  () => {
    const world = useLocalPolarDb("PostgreSQL");
    polarDbAccountCases(world, TIMEOUT);

    it(
      "several Super accounts may exist; each can create roles but is no superuser",
      async () => {
        // Prepare
        const { polardb, clusterId, runAs, adminDatabase } = world();
        const accounts = [polarDbAccountName("super"), polarDbAccountName("super")];
        const password = polarDbPassword();
        // Act
        for (const name of accounts) {
          await polardb().createAccount({
            dbClusterId: clusterId,
            accountName: name,
            accountPassword: password,
            accountType: "Super",
          });
        }
        // Assess
        for (const name of accounts) {
          expect((await describedAccount(world(), name))?.accountType).toBe("Super");
        }
        const database = adminDatabase ?? "postgres";
        await runAs(accounts[0] as string, password, database, `CREATE ROLE ${accounts[0]}_made`);
        await expect(
          runAs(accounts[1] as string, password, database, "ALTER SYSTEM SET work_mem = '8MB'"),
        ).rejects.toThrow(/permission denied|must be superuser/i);
      },
      TIMEOUT,
    );

    it(
      "database privileges are not granted through the API on PostgreSQL clusters",
      async () => {
        // Prepare
        const { polardb, clusterId, createDatabase } = world();
        const database = await createDatabase();
        const { name } = await newPolarDbAccount(world());
        const client = polardb({ retry: { attempts: 1 } });
        const fresh = polarDbAccountName("none");
        // Act
        const onGrant = await apiFailureOf(
          client.grantAccountPrivilege({
            dbClusterId: clusterId,
            accountName: name,
            grants: [{ dbName: database, privilege: "ReadWrite" }],
          }),
        );
        const onCreate = await apiFailureOf(
          client.createAccount({
            dbClusterId: clusterId,
            accountName: fresh,
            accountPassword: polarDbPassword(),
            grants: [{ dbName: database, privilege: "ReadWrite" }],
          }),
        );
        // Assess
        expect([onGrant.code, onCreate.code]).toEqual([
          "OperationDenied.DBType",
          "OperationDenied.DBType",
        ]);
        expect((await describedAccount(world(), name))?.databasePrivileges).toEqual([]);
        expect(await describedAccount(world(), fresh)).toBeUndefined();
      },
      TIMEOUT,
    );

    it(
      "DeleteAccount drops an account holding privileges, and refuses one that owns a table",
      async () => {
        // Prepare
        const { polardb, clusterId, createDatabase, runAsAdmin, runAs, canLogin } = world();
        const database = await createDatabase();
        const granted = await newPolarDbAccount(world(), { prefix: "granted" });
        const owner = await newPolarDbAccount(world(), { prefix: "owner" });
        await runAsAdmin(
          database,
          `GRANT CONNECT, CREATE ON DATABASE ${database} TO ${granted.name}, ${owner.name}`,
        );
        await runAsAdmin(database, `GRANT SELECT ON items TO ${granted.name}`);
        await runAsAdmin(database, `GRANT CREATE ON SCHEMA public TO ${owner.name}`);
        await runAs(owner.name, owner.password, database, "CREATE TABLE owned (id INT)");
        const client = polardb({ retry: { attempts: 1 } });
        // Act
        await client.deleteAccount({ dbClusterId: clusterId, accountName: granted.name });
        const refused = await apiFailureOf(
          client.deleteAccount({ dbClusterId: clusterId, accountName: owner.name }),
        );
        // Assess
        expect(await describedAccount(world(), granted.name)).toBeUndefined();
        expect(await canLogin(granted.name, granted.password, database)).toBe(false);
        expect(refused.code).toBe("OperationDenied.AccountOwnsObjects");
        expect(await canLogin(owner.name, owner.password, database)).toBe(true);
        await runAs(owner.name, owner.password, database, "INSERT INTO owned VALUES (1)");
      },
      TIMEOUT,
    );
  },
);

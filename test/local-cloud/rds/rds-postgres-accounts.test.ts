/**
 * The local cloud's RDS account actions on an instance backed by a real
 * PostgreSQL: the cases every engine shares (rds-account-cases.ts), then
 * PostgreSQL's own: Super accounts, DBOwner and Custom privileges the server
 * enforces, the SCRAM verifier the server keeps, RDS's error codes for bad
 * requests, and no password in any answer or log line.
 */
import { describe, expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { skipUnlessPostgres } from "../../support/postgres.ts";
import { useLocalPostgresRds } from "./local-rds-postgres.ts";
import { describedAccount, newRdsAccount, rdsAccountName, rdsPassword } from "./local-rds-world.ts";
import { rdsAccountCases } from "./rds-account-cases.ts";

const TIMEOUT = 90_000;

describe.skipIf(await skipUnlessPostgres())("local cloud RDS accounts on a real PostgreSQL", () => {
  const world = useLocalPostgresRds();
  rdsAccountCases(world, TIMEOUT);

  it(
    "CreateAccount with AccountType Super makes a privileged account that can create roles but is no superuser",
    async () => {
      // Prepare
      const { rds, instanceId, runAs, postgres } = world();
      const name = rdsAccountName("admin");
      const password = rdsPassword();
      // Act
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
        accountType: "Super",
      });
      const account = await describedAccount(world(), name);
      // Assess
      expect(account?.accountType).toBe("Super");
      await runAs(name, password, postgres.database, `CREATE ROLE ${name}_made`);
      await expect(
        runAs(name, password, postgres.database, "ALTER SYSTEM SET work_mem = '8MB'"),
      ).rejects.toThrow(/permission denied|must be superuser/i);
    },
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege DBOwner gives the rights on the database that DescribeAccounts names and the server enforces",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase, runAs } = world();
      const [granted, other] = [await createDatabase(), await createDatabase()];
      const { name, password } = await newRdsAccount(world());
      // Act
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [{ dbName: granted, privilege: "DBOwner" }],
      });
      const account = await describedAccount(world(), name);
      // Assess
      expect(account?.databasePrivileges).toEqual([
        {
          dbName: granted,
          accountPrivilege: "DBOwner",
          accountPrivilegeDetail: "CONNECT,CREATE,TEMPORARY",
        },
      ]);
      await runAs(name, password, granted, "INSERT INTO items VALUES (1)");
      await runAs(name, password, granted, "CREATE SCHEMA reports");
      await expect(runAs(name, password, other, "SELECT * FROM items")).rejects.toThrow(
        /permission denied/i,
      );
    },
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege again on the same database changes nothing more",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase } = world();
      const database = await createDatabase();
      const { name } = await newRdsAccount(world());
      const grant = () =>
        rds().grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: [{ dbName: database, privilege: "DBOwner" }],
        });
      await grant();
      // Act
      await grant();
      // Assess
      const account = await describedAccount(world(), name);
      expect(account?.databasePrivileges.map((grant) => grant.accountPrivilege)).toEqual([
        "DBOwner",
      ]);
    },
    TIMEOUT,
  );

  it(
    "DescribeAccounts reports a database where the account holds only some rights as Custom",
    async () => {
      // Prepare
      const { createDatabase, runAsAdmin, postgres } = world();
      const database = await createDatabase();
      const { name } = await newRdsAccount(world());
      // Act
      await runAsAdmin(postgres.database, `GRANT CONNECT ON DATABASE ${database} TO ${name}`);
      const account = await describedAccount(world(), name);
      // Assess
      expect(account?.databasePrivileges).toEqual([
        { dbName: database, accountPrivilege: "Custom", accountPrivilegeDetail: "CONNECT" },
      ]);
    },
    TIMEOUT,
  );

  it(
    "the server never receives a password: the role keeps a SCRAM verifier, and a statement log would show no password",
    async () => {
      // Prepare
      const { rds, instanceId, postgres } = world();
      const name = rdsAccountName();
      const password = rdsPassword();
      // Act
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
      });
      // Assess: what the server stored is a verifier, not the password.
      const { default: pg } = await import("pg");
      const admin = new pg.Client({
        host: postgres.host,
        port: postgres.port,
        user: postgres.adminUser,
        password: postgres.adminPassword,
        database: postgres.database,
      });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ stored: string }>(
          "SELECT rolpassword AS stored FROM pg_authid WHERE rolname = $1",
          [name],
        );
        expect(rows[0]?.stored).toMatch(/^SCRAM-SHA-256\$4096:/);
        expect(rows[0]?.stored).not.toContain(password);
      } finally {
        await admin.end();
      }
    },
    TIMEOUT,
  );

  it(
    "refuses bad requests with RDS's error codes, names no password, and changes nothing",
    async () => {
      // Prepare
      const { rds, instanceId, canLogin, createDatabase, logLines } = world();
      const database = await createDatabase();
      const { name, password } = await newRdsAccount(world());
      const { name: superName } = await newRdsAccount(world(), {
        prefix: "super",
        accountType: "Super",
      });
      const client = rds({ retry: { attempts: 1 } });
      const weak = "alllowercase1";
      const refusedPasswords = [rdsPassword(), rdsPassword(), rdsPassword()];
      const logsBefore = logLines.length;
      // Act
      const duplicate = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: refusedPasswords[0] as string,
        }),
      );
      const upperCase = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: "App_Upper",
          accountPassword: rdsPassword(),
        }),
      );
      const systemName = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: "pg_app",
          accountPassword: rdsPassword(),
        }),
      );
      const tooLong = await apiFailureOf(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: `a${"b".repeat(63)}`,
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
      const unknownAccount = await apiFailureOf(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: rdsAccountName("gone"),
          accountPassword: refusedPasswords[1] as string,
        }),
      );
      const administrator = await apiFailureOf(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: "postgres",
          accountPassword: refusedPasswords[2] as string,
        }),
      );
      const mysqlPrivilege = await apiFailureOf(
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: [{ dbName: database, privilege: "ReadWrite" }],
        }),
      );
      const unknownDatabase = await apiFailureOf(
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: [
            { dbName: database, privilege: "DBOwner" },
            { dbName: "no_such_db", privilege: "DBOwner" },
          ],
        }),
      );
      const toSuper = await apiFailureOf(
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: superName,
          grants: [{ dbName: database, privilege: "DBOwner" }],
        }),
      );
      // Assess
      expect([duplicate.code, duplicate.statusCode]).toEqual(["InvalidAccountName.Duplicate", 400]);
      for (const malformed of [upperCase, systemName, tooLong]) {
        expect([malformed.code, malformed.statusCode]).toEqual([
          "InvalidAccountName.Malformed",
          400,
        ]);
      }
      expect(tooLong.message).toMatch(/2 to 63/);
      expect(badPassword.code).toBe("InvalidAccountPassword.Malformed");
      expect(badPassword.message).toMatch(/three of/);
      expect([unknownAccount.code, unknownAccount.statusCode]).toEqual([
        "InvalidAccountName.NotFound",
        404,
      ]);
      expect(administrator.code).toMatch(/^InvalidAccountName\./);
      expect(mysqlPrivilege.code).toBe("InvalidAccountPrivilege.Malformed");
      expect(mysqlPrivilege.message).toMatch(/DBOwner/);
      expect(unknownDatabase.code).toBe("InvalidDBName.NotFound");
      expect(toSuper.code).toBe("InvalidAccountType.Malformed");
      const everything = [
        duplicate,
        upperCase,
        systemName,
        tooLong,
        badPassword,
        unknownAccount,
        administrator,
        mysqlPrivilege,
        unknownDatabase,
        toSuper,
      ]
        .map((error) => `${error.message}\n${JSON.stringify(error)}`)
        .join("\n");
      for (const secret of [weak, ...refusedPasswords]) {
        expect(everything).not.toContain(secret);
      }
      const logged = logLines.slice(logsBefore).join("\n");
      expect(logged).toMatch(/ResetAccountPassword/);
      for (const secret of [weak, ...refusedPasswords]) expect(logged).not.toContain(secret);
      // Nothing changed: the password still logs in, no account was made, the
      // half-valid grant list granted nothing.
      expect(await canLogin(name, password)).toBe(true);
      const account = await describedAccount(world(), name);
      expect(account?.databasePrivileges).toEqual([]);
      const names = (await rds().describeAccounts({ dbInstanceId: instanceId })).accounts.map(
        (entry) => entry.accountName,
      );
      expect(names).not.toContain("postgres");
      expect(names).not.toContain("App_Upper");
      expect(names).not.toContain("pg_app");
    },
    TIMEOUT,
  );

  it(
    "DescribeDBInstanceAttribute reports the engine PostgreSQL and the address of the server behind the instance",
    async () => {
      // Prepare
      const { rds, instanceId, postgres, cloud } = world();
      // Act
      const body = await rds().caller.call<{
        Items?: { DBInstanceAttribute?: Record<string, unknown>[] };
      }>("DescribeDBInstanceAttribute", { DBInstanceId: instanceId });
      // Assess
      expect(body.Items?.DBInstanceAttribute).toEqual([
        {
          DBInstanceId: instanceId,
          Engine: "PostgreSQL",
          DBInstanceStatus: "Running",
          DBInstanceType: "Primary",
          RegionId: cloud.region,
          ConnectionString: postgres.host,
          Port: String(postgres.port),
        },
      ]);
    },
    TIMEOUT,
  );

  it(
    "DescribeDBInstanceNetInfo reports the server behind the instance as its one address",
    async () => {
      // Prepare
      const { rds, instanceId, postgres } = world();
      // Act
      const { addresses } = await rds().describeNetInfo({ dbInstanceId: instanceId });
      const unknown = await apiFailureOf(
        rds({ retry: { attempts: 1 } }).describeNetInfo({ dbInstanceId: "pgm-doesnotexist" }),
      );
      // Assess
      expect(addresses).toEqual([
        {
          connectionString: postgres.host,
          ipAddress: postgres.host,
          port: postgres.port,
          ipType: "Private",
        },
      ]);
      expect([unknown.code, unknown.statusCode]).toEqual(["InvalidDBInstanceId.NotFound", 404]);
    },
    TIMEOUT,
  );

  it(
    "an unknown DBInstanceId is RDS's 404, whatever the engine of the others",
    async () => {
      // Prepare
      const client = world().rds({ retry: { attempts: 1 } });
      // Act
      const unknown = await apiFailureOf(
        client.describeAccounts({ dbInstanceId: "pgm-doesnotexist" }),
      );
      const unknownAttribute = await apiFailureOf(
        client.caller.call("DescribeDBInstanceAttribute", { DBInstanceId: "pgm-doesnotexist" }),
      );
      // Assess
      expect([unknown.code, unknown.statusCode]).toEqual(["InvalidDBInstanceId.NotFound", 404]);
      expect([unknownAttribute.code, unknownAttribute.statusCode]).toEqual([
        "InvalidDBInstanceId.NotFound",
        404,
      ]);
    },
    TIMEOUT,
  );
});

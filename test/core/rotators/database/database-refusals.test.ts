/**
 * Rotations that must stop with a clear error and change nothing, and the
 * single-user fallback to the ACSPrevious password, on real servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import {
  asAdmin,
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";

const servers = [
  { engine: "mysql" as const, skip: skipUnlessMariaDb(), limit: 80 },
  { engine: "postgres" as const, skip: await skipUnlessPostgres(), limit: 63 },
];

for (const { engine, skip, limit } of servers) {
  describe.skipIf(skip)(`${engine} rotation refusals and recovery`, () => {
    let server: RunningMariaDb | RunningPostgres;
    let setup: DatabaseRotationSetup;
    const target = () => ({ engine, server }) as TestServer;

    beforeAll(async () => {
      [server, setup] = await Promise.all([
        engine === "mysql" ? startMariaDb() : startPostgres(),
        startDatabaseRotationSetup(),
      ]);
    });
    afterAll(async () => {
      await setup?.close();
      await server?.stop();
    });

    it("refuses an alternate name longer than the engine allows, naming it, and writes nothing", async () => {
      // Prepare: a name that fits, whose `_rt` twin does not.
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const longName = `${value.AccountName}_${"x".repeat(limit - value.AccountName.length - 2)}`;
      const secretName = await setup.createSecret(`${engine}-long`, {
        ...value,
        AccountName: longName,
      });
      const before = await setup.kms.listSecretVersionIds({ secretName, includeDeprecated: true });

      // Act
      const attempt = setup.engine().rotate({ secretName });

      // Assess
      await expect(attempt).rejects.toThrow(
        new RegExp(`Account name "${longName}_rt" is longer than ${engine} allows \\(${limit}`),
      );
      const after = await setup.kms.listSecretVersionIds({ secretName, includeDeprecated: true });
      expect(after.versions).toEqual(before.versions);
    });

    it("refuses to rotate when the current password no longer logs in, before changing anything", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-broken`, {
        ...value,
        AccountPassword: "Not-the-password-1",
      });

      // Act
      const attempt = setup.engine().rotate({ secretName });

      // Assess
      await expect(attempt).rejects.toThrow(
        /setSecret \(current login\): login refused for account/,
      );
      await expect(attempt).rejects.not.toThrow(/Not-the-password-1/);
      const exists = await asAdmin(target(), async (query) =>
        engine === "mysql"
          ? query(`SELECT User FROM mysql.user WHERE User = '${value.AccountName}_rt'`)
          : query(`SELECT rolname FROM pg_roles WHERE rolname = '${value.AccountName}_rt'`),
      );
      expect(JSON.stringify(exists)).not.toContain(`${value.AccountName}_rt`);
    });

    it("checks the current password while the pending version is stored, and changes nothing before both are done", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-early`, value);
      const calls: string[] = [];
      const login = `${engine}.login`;
      // PutSecretValue is held until a login has started: a rotation that
      // logged in only after storing the pending version would never end.
      let loginStarted: () => void = () => undefined;
      const firstLogin = new Promise<void>((resolve) => {
        loginStarted = resolve;
      });

      // Act
      await setup
        .engine({
          beforeExternalCall: async (call) => {
            calls.push(call.name);
            if (call.name === login) loginStarted();
            if (call.name === "PutSecretValue") await firstLogin;
          },
        })
        .rotate({ secretName });

      // Assess: the logins (master, current) ran before any change.
      const put = calls.indexOf("PutSecretValue");
      const firstChange = calls.findIndex((name) =>
        /\.(createUser|createRole|alterPassword)$/.test(name),
      );
      expect(firstChange).toBeGreaterThan(put);
      expect(
        calls.slice(0, firstChange).filter((name) => name === login).length,
      ).toBeGreaterThanOrEqual(2);
    });

    it("single-user mode logs in with ACSPrevious when pending and current are refused", async () => {
      // Prepare: one rotation, then the database is put back on the ACSPrevious
      // password (as after a change whose stage switch was lost).
      const value = await createApplicationAccount(target());
      const secretName = await setup.createSecret(`${engine}-single`, value);
      await setup.engine().rotate({ secretName });
      const previous = await setup.read(secretName, "ACSPrevious");
      await asAdmin(target(), async (query) => {
        await query(
          engine === "mysql"
            ? `ALTER USER '${value.AccountName}'@'%' IDENTIFIED BY '${previous.AccountPassword}'`
            : `ALTER ROLE ${value.AccountName} PASSWORD '${previous.AccountPassword}'`,
        );
      });

      // Act
      const result = await setup.engine().rotate({ secretName });

      // Assess
      expect(result.outcome).toBe("rotated");
      const current = await setup.read(secretName);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(target(), previous.AccountName, previous.AccountPassword)).toBe(false);
    });
  });
}

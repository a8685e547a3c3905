/**
 * What an emergency rotation costs an application that uses Rotor's pools:
 * the rotation ends every session of the leaked account (KILL CONNECTION on
 * MariaDB, pg_terminate_backend on PostgreSQL), including the pool's idle
 * connections, one the application holds checked out, and one running a
 * query. The application is written like the README's example and runs in
 * its own process, where an unhandled 'error' event would end it; the
 * emergency is Rotor's own (the rotation engine and the database rotator).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  asAdmin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "../core/rotators/database/database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "../core/rotators/database/database-rotation-setup.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { AppRequestError, type PoolAppProcess, startPoolApp } from "./support/pool-app-process.ts";

const servers: { engine: "mysql" | "postgres"; skip: boolean }[] = [
  { engine: "mysql", skip: skipUnlessMariaDb() },
  { engine: "postgres", skip: await skipUnlessPostgres() },
];

/** How each driver reports a query whose session the server ended under it. */
const SESSION_ENDED_CODE = { mysql: "PROTOCOL_CONNECTION_LOST", postgres: "57P01" } as const;

for (const { engine, skip } of servers) {
  describe.skipIf(skip)(`${engine} pool through an emergency rotation`, () => {
    let server: RunningMariaDb | RunningPostgres;
    let setup: DatabaseRotationSetup;
    const apps: PoolAppProcess[] = [];
    const target = () => ({ engine, server }) as TestServer;

    beforeAll(async () => {
      [server, setup] = await Promise.all([
        engine === "mysql" ? startMariaDb() : startPostgres(),
        startDatabaseRotationSetup(),
      ]);
    });
    afterEach(() => {
      for (const app of apps.splice(0)) app.kill();
    });
    afterAll(async () => {
      await setup?.close();
      await server?.stop();
    });

    /** Waits until the server shows the account's long query running. */
    async function untilLongQueryRuns(account: string): Promise<void> {
      const sql =
        engine === "mysql"
          ? `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${account}' AND INFO LIKE 'SELECT SLEEP%'`
          : `SELECT pid FROM pg_stat_activity WHERE usename = '${account}' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'`;
      for (;;) {
        const answer = await asAdmin(target(), (query) => query(sql));
        const rows =
          engine === "mysql" ? (answer as unknown[][])[0] : (answer as { rows: [] }).rows;
        if ((rows?.length ?? 0) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    it("survives the leaked account's sessions ending; only the work on them at that instant fails", async () => {
      // Prepare: a dual-account secret, and an application with three idle
      // connections, one checked out between two queries and one query running
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const leaked = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-app`, leaked);
      const app = startPoolApp({
        engine,
        secretName,
        endpoint: setup.cloud.endpoint,
        credentials: setup.cloud.credentials,
      });
      apps.push(app);
      const idleAccounts = await app.request({ name: "openIdle", count: 3 });
      const heldAccount = await app.request({ name: "hold" });
      await app.request({ name: "startLongQuery" });
      await untilLongQueryRuns(leaked.AccountName);

      // Act
      const rotation = await setup.engine().rotate({ secretName, emergency: true });
      const inFlight = await app.request({ name: "longQueryOutcome" }).catch((error) => error);
      await app.request({ name: "allSessionsEnded" });
      const nextQuery = await app.request({ name: "whoAmI" });
      const onHeld = await app.request({ name: "whoAmIOnHeld" }).catch((error) => error);
      const queryAfter = await app.request({ name: "whoAmI" });
      await app.request({ name: "end" });
      const exit = await app.exited;

      // Assess
      expect(rotation.outcome).toBe("rotated");
      const current = await setup.read(secretName);
      expect(current.AccountName).not.toBe(leaked.AccountName);
      expect([...(idleAccounts as string[]), heldAccount]).toEqual(
        Array(4).fill(leaked.AccountName),
      );
      expect(inFlight).toBeInstanceOf(AppRequestError);
      expect((inFlight as AppRequestError).code).toBe(SESSION_ENDED_CODE[engine]);
      expect(nextQuery).toBe(current.AccountName);
      expect(onHeld).toBeInstanceOf(AppRequestError);
      expect(queryAfter).toBe(current.AccountName);
      expect(app.diedOfUnhandledError()).toBe(false);
      expect(exit).toEqual({ code: 0, signal: null });
    });
  });
}

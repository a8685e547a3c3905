/**
 * A single-user rotation seen by a pool at its most awkward moment: the
 * database already has the new password, a new connection is refused with
 * the cached one, the pool reads ACSCurrent (still the old version), and
 * before it reads the pending stage, finishSecret promotes the pending
 * version and removes that stage. The pool's pending read is held while a
 * real finishSecret (the rotation engine with Rotor's own rotator) runs, so
 * this interleaving happens every time, against real MariaDB and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PENDING_STAGE } from "../../src/client/database-login-source.ts";
import {
  createApplicationAccount,
  type TestServer,
} from "../core/rotators/database/database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "../core/rotators/database/database-rotation-setup.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { probePool } from "./support/engine-pools.ts";
import { SecretsClientWithHeldReads } from "./support/held-secret-reads.ts";

const servers: { engine: "mysql" | "postgres"; skip: boolean }[] = [
  { engine: "mysql", skip: skipUnlessMariaDb() },
  { engine: "postgres", skip: await skipUnlessPostgres() },
];

for (const { engine, skip } of servers) {
  describe.skipIf(skip)(`${engine} pool when finishSecret lands between its two reads`, () => {
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

    it("logs the new connection in with the version finishSecret just promoted", async () => {
      // Prepare: a single-user secret, a pool that has logged in with it, and
      // a rotation that has set the new password on the database
      const value = await createApplicationAccount(target());
      const secretName = await setup.createSecret(`${engine}-single`, value);
      const secrets = new SecretsClientWithHeldReads({
        endpoint: setup.cloud.endpoint,
        credentials: setup.cloud.credentials,
      });
      const pool = probePool(engine, secrets, secretName);
      expect(await pool.whoAmIOnNewConnection()).toBe(value.AccountName);
      const { versionId } = await setup.engine().rotate({ secretName, step: "createSecret" });
      await setup.engine().rotate({ secretName, step: "setSecret", versionId });
      await setup.engine().rotate({ secretName, step: "testSecret", versionId });

      // Act: the refused login's pending read waits until finishSecret has run
      const pendingRead = secrets.holdNextRefresh(DEFAULT_PENDING_STAGE);
      const login = pool.whoAmIOnNewConnection().then(
        (account) => ({ account }),
        (error: unknown) => ({ error }),
      );
      await pendingRead.reached;
      const finished = await setup.engine().rotate({ secretName, step: "finishSecret", versionId });
      pendingRead.release();
      const outcome = await login;
      await pool.end();
      secrets.close();

      // Assess
      expect(finished.outcome).toBe("step-done");
      expect((await setup.read(secretName)).versionId).toBe(versionId);
      expect(outcome).toEqual({ account: value.AccountName });
    });
  });
}

/**
 * What applications see while their database secret rotates: an application
 * loop reads ACSCurrent from the local cloud and logs in every 50 ms through
 * back-to-back rotations, against real servers.
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

const ROTATIONS = 10;
const LOOP_INTERVAL_MS = 50;

/**
 * Reads ACSCurrent and logs in, again and again, until stopped. A failure
 * counts only if ACSCurrent still names the version whose login failed: an
 * application that read a version which then stopped being current is the
 * emergency test's business, not a failure of "ACSCurrent works".
 */
function applicationLoop(setup: DatabaseRotationSetup, target: TestServer, secretName: string) {
  let running = true;
  let logins = 0;
  const failures: string[] = [];
  let waiters: (() => void)[] = [];
  const done = (async () => {
    while (running) {
      const value = await setup.read(secretName);
      if (await canLogin(target, value.AccountName, value.AccountPassword)) {
        logins++;
      } else {
        const now = await setup.read(secretName);
        if (now.versionId === value.versionId)
          failures.push(`${value.AccountName} ${value.versionId}`);
      }
      for (const wake of waiters) wake();
      waiters = [];
      await new Promise((resolve) => setTimeout(resolve, LOOP_INTERVAL_MS));
    }
  })();
  return {
    /** Resolves after the loop's next read-and-login: the rotations interleave with it whatever the machine's speed. */
    nextRound: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async stop() {
      running = false;
      await done;
      return { logins, failures };
    },
  };
}

const servers: { engine: "mysql" | "postgres"; skip: boolean }[] = [
  { engine: "mysql", skip: skipUnlessMariaDb() },
  { engine: "postgres", skip: await skipUnlessPostgres() },
];

for (const { engine, skip } of servers) {
  describe.skipIf(skip)(`${engine} dual-account rotation, seen from an application`, () => {
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

    const newSecret = async () => {
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      return setup.createSecret(`${engine}-app`, value);
    };

    it(`keeps every login working through ${ROTATIONS} back-to-back rotations; ACSPrevious works until the next one`, async () => {
      // Prepare
      const secretName = await newSecret();
      const loop = applicationLoop(setup, target(), secretName);
      const previousStillWorks: boolean[] = [];
      const accounts = new Set<string>();

      // Act
      for (let rotation = 0; rotation < ROTATIONS; rotation++) {
        await loop.nextRound();
        const result = await setup.engine().rotate({ secretName });
        expect(result.outcome).toBe("rotated");
        const previous = await setup.read(secretName, "ACSPrevious");
        accounts.add(previous.AccountName);
        previousStillWorks.push(
          await canLogin(target(), previous.AccountName, previous.AccountPassword),
        );
      }
      const { logins, failures } = await loop.stop();

      // Assess
      expect(failures).toEqual([]);
      expect(logins).toBeGreaterThanOrEqual(ROTATIONS);
      expect(previousStillWorks).toEqual(Array(ROTATIONS).fill(true));
      expect(accounts.size).toBe(2);
    }, 240_000);

    it("leaves no session open: the logins it does not wait to close are gone soon after", async () => {
      // Prepare
      const secretName = await newSecret();
      const { AccountName: account } = await setup.read(secretName);
      const admin = server.adminUser;

      // Act: three rotations, then an invocation that does createSecret alone
      // (the master session it opens for setSecret is closed as it ends).
      for (let rotation = 0; rotation < 3; rotation++) await setup.engine().rotate({ secretName });
      await setup.engine().rotate({ secretName, step: "createSecret" });

      // Assess: the application accounts' and the master's sessions, not this check's own.
      const sessionsLeft = () =>
        asAdmin(target(), async (query) => {
          const names = [account, `${account}_rt`, admin].map((name) => `'${name}'`).join(", ");
          if (engine === "mysql") {
            const [rows] = (await query(
              `SELECT USER FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER IN (${names})`,
            )) as [unknown[]];
            return rows.length;
          }
          const { rows } = (await query(
            `SELECT usename FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND usename IN (${names})`,
          )) as { rows: unknown[] };
          return rows.length;
        });
      const deadline = Date.now() + 5_000;
      let left = await sessionsLeft();
      while (left > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await sessionsLeft();
      }
      expect(left).toBe(0);
    }, 60_000);

    it("emergency rotation: neither old password logs in afterwards, ACSCurrent works throughout", async () => {
      // Prepare: one ordinary rotation so both accounts have a password in the secret.
      const secretName = await newSecret();
      await setup.engine().rotate({ secretName });
      const leakedCurrent = await setup.read(secretName);
      const leakedPrevious = await setup.read(secretName, "ACSPrevious");
      const loop = applicationLoop(setup, target(), secretName);

      // Act
      await loop.nextRound();
      const result = await setup.engine().rotate({ secretName, emergency: true });
      const { failures } = await loop.stop();

      // Assess
      expect(result.outcome).toBe("rotated");
      expect(failures).toEqual([]);
      const current = await setup.read(secretName);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      expect(
        await canLogin(target(), leakedCurrent.AccountName, leakedCurrent.AccountPassword),
      ).toBe(false);
      expect(
        await canLogin(target(), leakedPrevious.AccountName, leakedPrevious.AccountPassword),
      ).toBe(false);
      const passwords = [
        leakedCurrent.AccountPassword,
        leakedPrevious.AccountPassword,
        current.AccountPassword,
      ];
      expect(setup.logLines.filter((line) => passwords.some((p) => line.includes(p)))).toEqual([]);
    }, 120_000);
  });
}

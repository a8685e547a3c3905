/**
 * What an application sees while its dual-account secret on a PolarDB
 * cluster rotates back to back: it re-reads ACSCurrent and logs in to the
 * server behind the cluster every 50 ms, and no login of the version
 * ACSCurrent names fails, on PolarDB for MySQL (the alternate made through
 * the API) and PolarDB for PostgreSQL (a pre-created pair).
 */
import { describe, expect, it } from "vitest";
import type { LocalPolarDbWorld } from "../../../local-cloud/polardb/local-polardb-world.ts";
import {
  createPolarDbApplication,
  POLARDB_MYSQL,
  POLARDB_POSTGRES,
  type PolarDbRotationEngine,
  type PolarDbRotationSetup,
  polarDbRotationSetup,
} from "./polardb-rotation-fixtures.ts";

const ROTATIONS = 10;
const LOOP_INTERVAL_MS = 50;

/**
 * Reads ACSCurrent and logs in with it until stopped. A failed login counts
 * only while ACSCurrent still holds the password that failed: a value
 * replaced meanwhile is one the application would re-read.
 */
function applicationLoop(
  world: LocalPolarDbWorld,
  rotations: PolarDbRotationSetup,
  secretName: string,
) {
  let running = true;
  let logins = 0;
  const failures: string[] = [];
  let waiters: (() => void)[] = [];
  const done = (async () => {
    while (running) {
      const value = await rotations.read(secretName);
      if (await world.canLogin(value.AccountName, value.AccountPassword, value.database)) {
        logins++;
      } else if ((await rotations.read(secretName)).AccountPassword === value.AccountPassword) {
        failures.push(`${value.AccountName} refused while ACSCurrent`);
      }
      for (const wake of waiters) wake();
      waiters = [];
      await new Promise((resolve) => setTimeout(resolve, LOOP_INTERVAL_MS));
    }
  })();
  return {
    /** Resolves after the loop's next read-and-login, so rotations interleave with it at any speed. */
    nextRound: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async stop() {
      running = false;
      await done;
      return { logins, failures };
    },
  };
}

for (const engine of [POLARDB_MYSQL, POLARDB_POSTGRES] as PolarDbRotationEngine[]) {
  describe.skipIf(await engine.skip())(
    `${engine.kind} dual-account rotation over PolarDB for ${engine.edition}, seen from an application`,
    () => {
      const world = engine.useWorld();

      it(`keeps every login working through ${ROTATIONS} back-to-back rotations; ACSPrevious works until the next one`, async () => {
        // Prepare
        const rotations = polarDbRotationSetup(world(), engine);
        const secretName = await rotations.createSecret(
          await createPolarDbApplication(world(), engine, "dual"),
        );
        const loop = applicationLoop(world(), rotations, secretName);
        const previousStillWorks: boolean[] = [];
        const accounts = new Set<string>();
        const outcomes: string[] = [];

        // Act
        for (let rotation = 0; rotation < ROTATIONS; rotation++) {
          await loop.nextRound();
          outcomes.push((await rotations.engine().rotate({ secretName })).outcome);
          const previous = await rotations.read(secretName, "ACSPrevious");
          accounts.add(previous.AccountName);
          previousStillWorks.push(
            await world().canLogin(
              previous.AccountName,
              previous.AccountPassword,
              previous.database,
            ),
          );
        }
        await loop.nextRound();
        const { logins, failures } = await loop.stop();

        // Assess
        expect(outcomes).toEqual(Array(ROTATIONS).fill("rotated"));
        expect(failures).toEqual([]);
        expect(logins).toBeGreaterThanOrEqual(ROTATIONS);
        expect(previousStillWorks).toEqual(Array(ROTATIONS).fill(true));
        expect(accounts.size).toBe(2);
      }, 240_000);
    },
  );
}

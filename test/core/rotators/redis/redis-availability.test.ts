/**
 * What applications see while their Redis secret rotates, on a real
 * redis-server: an application that reads ACSCurrent, logs in and runs a
 * command every 50 ms through back-to-back rotations, in both modes, with
 * no failed command; ACSPrevious working
 * until the next rotation; and emergencies, after which no leaked password
 * logs in and the leaked user's connections are gone.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import {
  aclOf,
  createApplicationUser,
  createMasterSecret,
  runAs,
  uniqueSuffix,
} from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

const ROTATIONS = 10;
const LOOP_INTERVAL_MS = 50;

/**
 * Reads ACSCurrent, logs in with it and sets a key of its own, again and
 * again, until stopped. A failure counts only if ACSCurrent still names the
 * version whose command failed.
 */
function applicationLoop(
  setup: RedisRotationSetup,
  redis: RunningRedis,
  secretName: string,
  key: string,
) {
  let running = true;
  let logins = 0;
  const failures: string[] = [];
  let waiters: (() => void)[] = [];
  const done = (async () => {
    while (running) {
      const value = await setup.read(secretName);
      const worked = await runAs(redis, value.AccountName, value.AccountPassword, "SET", key, "x")
        .then((answer) => answer === "OK")
        .catch(() => false);
      if (worked) {
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
    nextRound: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async stop() {
      running = false;
      await done;
      return { logins, failures };
    },
  };
}

/** A connection of `user`, kept open, and whether the server still serves it. */
async function openConnection(redis: RunningRedis, user: string, password: string) {
  const client = new Redis({
    ...redis.clientOptions(user, password),
    protocol: 2,
    enableReadyCheck: false,
  });
  let closed = false;
  client.on("error", () => undefined);
  client.on("close", () => {
    closed = true;
  });
  await client.connect();
  return {
    /** True once the server ended the connection. */
    closed: async () => {
      if (!closed) await client.call("PING").catch(() => undefined);
      return closed;
    },
    end: () => client.disconnect(),
  };
}

describe.skipIf(skipUnlessRedis())("redis rotation, seen from an application", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;

  beforeAll(async () => {
    [redis, setup] = await Promise.all([
      startRedis({ adminUser: "admin" }),
      startRedisRotationSetup(),
    ]);
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  const newSecret = async (mode: "dual" | "single") => {
    const master =
      mode === "dual"
        ? await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`)
        : undefined;
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret(`redis-${mode}`, value);
    // Both users of a pair hold the rules of the first: keys under its name.
    return { secretName, key: `${value.AccountName}:loop` };
  };

  for (const mode of ["dual", "single"] as const) {
    it(`${mode}: keeps every login and command working through ${ROTATIONS} back-to-back rotations; ACSPrevious works until the next one`, async () => {
      // Prepare
      const { secretName, key } = await newSecret(mode);
      const loop = applicationLoop(setup, redis, secretName, key);
      const previousStillWorks: boolean[] = [];
      const passwordCounts: number[] = [];
      const accounts = new Set<string>();

      // Act
      for (let rotation = 0; rotation < ROTATIONS; rotation++) {
        await loop.nextRound();
        const result = await setup.engine().rotate({ secretName });
        expect(result.outcome).toBe("rotated");
        const previous = await setup.read(secretName, "ACSPrevious");
        accounts.add(previous.AccountName);
        previousStillWorks.push(
          await redis.canLogin(previous.AccountName, previous.AccountPassword),
        );
        passwordCounts.push((await aclOf(redis, previous.AccountName))?.passwords ?? 0);
      }
      const { logins, failures } = await loop.stop();

      // Assess
      expect(failures).toEqual([]);
      expect(logins).toBeGreaterThanOrEqual(ROTATIONS);
      expect(previousStillWorks).toEqual(Array(ROTATIONS).fill(true));
      expect(accounts.size).toBe(mode === "dual" ? 2 : 1);
      // Dual: each user one password. Single: the user holds ACSCurrent's and ACSPrevious's.
      expect(passwordCounts).toEqual(Array(ROTATIONS).fill(mode === "dual" ? 1 : 2));
    }, 120_000);

    it(`${mode} emergency: no old password logs in afterwards, the leaked user's connections are gone, ACSCurrent works throughout`, async () => {
      // Prepare: one ordinary rotation so the secret holds two passwords.
      const { secretName, key } = await newSecret(mode);
      await setup.engine().rotate({ secretName });
      const leakedCurrent = await setup.read(secretName);
      const leakedPrevious = await setup.read(secretName, "ACSPrevious");
      const leakedConnection = await openConnection(
        redis,
        leakedCurrent.AccountName,
        leakedCurrent.AccountPassword,
      );
      const loop = applicationLoop(setup, redis, secretName, key);

      // Act
      await loop.nextRound();
      const result = await setup.engine().rotate({ secretName, emergency: true });
      const { failures } = await loop.stop();

      // Assess
      expect(result.outcome).toBe("rotated");
      expect(failures).toEqual([]);
      const current = await setup.read(secretName);
      expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
      expect(await redis.canLogin(leakedCurrent.AccountName, leakedCurrent.AccountPassword)).toBe(
        false,
      );
      expect(await redis.canLogin(leakedPrevious.AccountName, leakedPrevious.AccountPassword)).toBe(
        false,
      );
      expect(await leakedConnection.closed()).toBe(true);
      leakedConnection.end();
      const passwords = [
        leakedCurrent.AccountPassword,
        leakedPrevious.AccountPassword,
        current.AccountPassword,
      ];
      expect(setup.logLines.filter((line) => passwords.some((p) => line.includes(p)))).toEqual([]);
    }, 60_000);
  }
});

/**
 * Single-user rotation on a real redis-server: the user changes its own
 * password and holds two (ACSCurrent's and the pending one) from setSecret
 * on, so a crash before any external call leaves ACSCurrent logging in
 * right away, before anything resumes; the old password goes at the next
 * rotation, or when a grace period ends; a user not allowed to change its
 * own password is refused with what it lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRotationRefusedError } from "../../../../src/core/rotators/redis/redis-errors.ts";
import { faultInjector } from "../../../../src/testing/fault-injector.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import { aclOf, asRedisAdmin, createApplicationUser } from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

const LATER = 24 * 60 * 60 * 1000;

describe.skipIf(skipUnlessRedis())("redis single-user rotation", () => {
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

  const newSecret = async (tags: Record<string, string> = {}) =>
    setup.createSecret("redis-single", await createApplicationUser(redis), tags);
  const currentWorks = async (secretName: string) => {
    const current = await setup.read(secretName);
    return redis.canLogin(current.AccountName, current.AccountPassword);
  };

  it("between setSecret and finishSecret the user holds ACSCurrent's password and the pending one", async () => {
    // Prepare
    const secretName = await newSecret();
    const engine = setup.engine();
    const { versionId } = await engine.rotate({ secretName, step: "createSecret" });

    // Act
    await engine.rotate({ secretName, step: "setSecret", versionId });

    // Assess
    const current = await setup.read(secretName);
    const pending = await setup.read(secretName, "ACSPending");
    expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
    expect(await redis.canLogin(pending.AccountName, pending.AccountPassword)).toBe(true);
    expect((await aclOf(redis, current.AccountName))?.passwords).toBe(2);
  });

  it("leaves a working ACSCurrent after a crash before any external call, before anything resumes", async () => {
    // Prepare: count the external calls of one clean rotation.
    const probe = await newSecret();
    const counter = faultInjector();
    await setup.engine({ beforeExternalCall: counter.hook }).rotate({ secretName: probe });
    const total = counter.calls.length;
    const brokenRightAfter: number[] = [];

    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const secretName = await newSecret();
      // Act: crash, look, then a later invocation carries on.
      const injector = faultInjector(crashAt);
      await setup
        .engine({ beforeExternalCall: injector.hook })
        .rotate({ secretName })
        .catch(() => undefined);
      if (!(await currentWorks(secretName))) brokenRightAfter.push(crashAt);
      await setup.engine({ clockOffsetMs: LATER }).rotate({ secretName });

      // Assess
      expect(await currentWorks(secretName), `crash before call ${crashAt}`).toBe(true);
      const previous = await setup.read(secretName, "ACSPrevious");
      expect(await redis.canLogin(previous.AccountName, previous.AccountPassword)).toBe(true);
      expect((await aclOf(redis, previous.AccountName))?.passwords).toBe(2);
    }
    expect(total).toBeGreaterThanOrEqual(6);
    expect(brokenRightAfter).toEqual([]);
  }, 120_000);

  it("removes ACSPrevious's password when a grace period ends; ACSCurrent keeps working", async () => {
    // Prepare
    const secretName = await newSecret({ "rotor:grace-period": "1s" });
    await setup.engine().rotate({ secretName });
    const previous = await setup.read(secretName, "ACSPrevious");

    // Act: past the deployment's shortest grace period (1h by default).
    const ended = await setup
      .engine({ clockOffsetMs: 2 * 60 * 60 * 1000 })
      .rotate({ secretName, endGracePeriod: true });
    const again = await setup
      .engine({ clockOffsetMs: 2 * 60 * 60 * 1000 })
      .rotate({ secretName, endGracePeriod: true });

    // Assess
    expect(ended.outcome).toBe("grace-ended");
    expect(again.outcome).toBe("nothing-to-end");
    expect(await redis.canLogin(previous.AccountName, previous.AccountPassword)).toBe(false);
    expect(await currentWorks(secretName)).toBe(true);
    expect((await aclOf(redis, previous.AccountName))?.passwords).toBe(1);
  });

  it("an emergency revoke whose connection another revoke ends logs in again and finishes", async () => {
    // Prepare: two invocations may revoke at once (one resumes the other's
    // revoke by its marker), and each one's CLIENT KILL USER ends the
    // other's connection. Here the server ends the revoking connection
    // right before the revoke sets the user's passwords.
    const secretName = await newSecret();
    const leaked = await setup.read(secretName);
    let setOwnPasswordsCalls = 0;
    const engine = setup.engine({
      beforeExternalCall: async ({ name }) => {
        if (name !== "redis.setOwnPasswords") return;
        setOwnPasswordsCalls += 1;
        // The first is setSecret's; the second is the revoke in finishSecret.
        if (setOwnPasswordsCalls === 2) {
          await asRedisAdmin(redis, "CLIENT", "KILL", "USER", leaked.AccountName);
        }
      },
    });

    // Act
    const result = await engine.rotate({ secretName, emergency: true });

    // Assess
    expect(result.outcome).toBe("rotated");
    expect(setOwnPasswordsCalls).toBeGreaterThanOrEqual(3);
    expect(await currentWorks(secretName)).toBe(true);
    expect(await redis.canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
    expect((await aclOf(redis, leaked.AccountName))?.passwords).toBe(1);
  });

  it("refuses a user that may not change its own password, naming what it lacks; nothing changes", async () => {
    // Prepare
    const value = await createApplicationUser(redis, {
      rules: ["~own:*", "+get"],
      selfRotation: false,
    });
    const secretName = await setup.createSecret("redis-single-noperm", value);

    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RedisRotationRefusedError);
    expect((failure as Error).message).toContain("+acl|setuser");
    expect((await aclOf(redis, value.AccountName))?.passwords).toBe(1);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(true);
  });
});

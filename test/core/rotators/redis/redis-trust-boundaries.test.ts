/**
 * Where the Redis rotator sends a master's login and whose password it
 * changes, on a real server: a master secret must name the server it
 * belongs to and be under the deployment's prefixes; an alternate user that
 * already exists changes only when the secret holds one of its passwords,
 * and never when it has nopass; bad values are refused before anything is
 * stored. Legitimate pairs keep rotating: a pre-created pair whose second
 * user is stored as ACSPrevious, the turn after an emergency rotation, and
 * the turn after a rotation cancelled past its setSecret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError, ValidationError } from "../../../../src/cloud-api/errors.ts";
import {
  CredentialNotProvenError,
  TargetMismatchError,
} from "../../../../src/core/contract/trust-boundary-errors.ts";
import { cancelRotation } from "../../../../src/core/engine/cancel-rotation.ts";
import { RedisRotationRefusedError } from "../../../../src/core/rotators/redis/redis-errors.ts";
import { deployPolicyWith } from "../../../support/deploy-policies.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import {
  aclOf,
  asRedisAdmin,
  createApplicationUser,
  createMasterSecret,
  initialPassword,
  uniqueSuffix,
} from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

describe.skipIf(skipUnlessRedis())("redis: master secrets, user pairs and bad values", () => {
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

  const versionsOf = async (secretName: string) =>
    (await setup.kms.listSecretVersionIds({ secretName, includeDeprecated: true })).versions;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  async function masterSecretWith(data: Record<string, unknown>): Promise<string> {
    const secretName = `master-${uniqueSuffix()}`;
    await setup.kms.createSecret({ secretName, versionId: "v0", secretData: JSON.stringify(data) });
    return secretName;
  }

  it("refuses a master secret that does not name its server, showing the shape; nothing changes", async () => {
    // Prepare
    const master = await masterSecretWith({
      AccountName: redis.adminUser,
      AccountPassword: redis.adminPassword,
    });
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-bare-master", value);
    const calls: string[] = [];

    // Act
    const failure = await failureOf(
      setup
        .engine({ beforeExternalCall: (call) => void calls.push(call.name) })
        .rotate({ secretName }),
    );

    // Assess
    expect(failure).toBeInstanceOf(ValidationError);
    const message = (failure as Error).message;
    expect(message).toMatch(/engine: .*host: .*port: /);
    expect(message).toContain('"engine":"redis","host":"…","port":6379');
    expect(message).not.toContain(redis.adminPassword);
    expect(calls.filter((name) => name.startsWith("redis."))).toEqual([]);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(true);
  });

  it("refuses a secret on another port than its master's before any login", async () => {
    // Prepare
    const master = await masterSecretWith({
      AccountName: redis.adminUser,
      AccountPassword: redis.adminPassword,
      engine: "redis",
      host: redis.host,
      port: redis.port + 1,
    });
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-other-port", value);
    const calls: string[] = [];

    // Act
    const failure = await failureOf(
      setup
        .engine({ beforeExternalCall: (call) => void calls.push(call.name) })
        .rotate({ secretName }),
    );

    // Assess
    expect(failure).toBeInstanceOf(TargetMismatchError);
    expect((failure as Error).message).toContain("(port differs)");
    expect(calls.filter((name) => name === "redis.login")).toEqual([]);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(true);
  });

  it("reads no master secret outside ROTOR_MASTER_SECRET_PREFIXES, and stores nothing", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `other-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-prefix", value);
    const before = await versionsOf(secretName);
    const policy = deployPolicyWith({
      masterSecretPrefixes: { any: false, values: ["rotor-master/"] },
    });

    // Act
    const attempt = setup.engine({ policy }).rotate({ secretName });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    await expect(attempt).rejects.toThrow(/ROTOR_MASTER_SECRET_PREFIXES: rotor-master\//);
    expect(await versionsOf(secretName)).toEqual(before);
  });

  it("changes no existing user a suffix names as the alternate", async () => {
    // Prepare: the writer holds `<victim>_q` and asks for the suffix `_q`,
    // which makes the victim `<victim>_q`'s alternate.
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const victim = await createApplicationUser(redis, { prefix: "victim", rules: ["+@all"] });
    const ownName = `${victim.AccountName}_q`;
    const password = initialPassword();
    await asRedisAdmin(redis, "ACL", "SETUSER", ownName, "on", `>${password}`, "+get", "~own:*");
    const secretName = await setup.createSecret("redis-suffix", {
      ...victim,
      AccountName: ownName,
      AccountPassword: password,
      masterSecret: master,
      alternateSuffix: "_q",
    });
    const victimBefore = await aclOf(redis, victim.AccountName);

    // Act
    const failure = await failureOf(setup.engine().rotate({ secretName }));

    // Assess
    expect(failure).toBeInstanceOf(CredentialNotProvenError);
    expect((failure as Error).message).toContain(`user "${victim.AccountName}" exists`);
    expect(await redis.canLogin(victim.AccountName, victim.AccountPassword)).toBe(true);
    expect(await aclOf(redis, victim.AccountName)).toEqual(victimBefore);
  });

  it("refuses a nopass alternate, which any password logs in as, and leaves it as it was", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const alternate = `${value.AccountName}_rt`;
    await asRedisAdmin(redis, "ACL", "SETUSER", alternate, "on", "nopass", "+@all", "~*");
    const secretName = await setup.createSecret("redis-nopass", value);
    const before = await aclOf(redis, alternate);

    // Act
    const failure = await failureOf(setup.engine().rotate({ secretName }));

    // Assess
    expect(failure).toBeInstanceOf(RedisRotationRefusedError);
    expect((failure as Error).message).toContain("has nopass");
    expect(await aclOf(redis, alternate)).toEqual(before);
    expect((await setup.read(secretName)).AccountName).toBe(value.AccountName);
  });

  it("rotates a pre-created pair whose second user is stored as ACSPrevious, taking turns", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const first = await createApplicationUser(redis, { masterSecret: master });
    const second = await createApplicationUser(redis, { masterSecret: master });
    const accounts: [string, string] = [first.AccountName, second.AccountName];
    const secretName = await setup.createSecret("redis-pair", { ...second, accounts });
    await setup.kms.putSecretValue({
      secretName,
      versionId: `v1-${uniqueSuffix()}`,
      secretData: JSON.stringify({ ...first, accounts }),
    });

    // Act
    await setup.engine().rotate({ secretName });
    const afterOne = await setup.read(secretName);
    await setup.engine().rotate({ secretName });
    const afterTwo = await setup.read(secretName);

    // Assess
    expect(afterOne.AccountName).toBe(second.AccountName);
    expect(afterTwo.AccountName).toBe(first.AccountName);
    expect(await redis.canLogin(afterTwo.AccountName, afterTwo.AccountPassword)).toBe(true);
    expect(await redis.canLogin(afterOne.AccountName, afterOne.AccountPassword)).toBe(true);
  });

  it("refuses a pre-created pair whose second user the secret holds no password of", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const first = await createApplicationUser(redis, { masterSecret: master });
    const second = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-bare-pair", {
      ...first,
      accounts: [first.AccountName, second.AccountName],
    });

    // Act
    const failure = await failureOf(setup.engine().rotate({ secretName }));

    // Assess
    expect(failure).toBeInstanceOf(CredentialNotProvenError);
    expect(await redis.canLogin(second.AccountName, second.AccountPassword)).toBe(true);
    expect((await setup.read(secretName)).AccountName).toBe(first.AccountName);
  });

  it("after an emergency rotation, the next rotation proves the leaked user and takes its turn", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-after-emergency", value);
    await setup.engine().rotate({ secretName });
    const leaked = await setup.read(secretName);
    await setup.engine().rotate({ secretName, emergency: true });

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await setup.read(secretName);
    const previous = await setup.read(secretName, "ACSPrevious");
    expect(current.AccountName).toBe(leaked.AccountName);
    expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
    expect(await redis.canLogin(previous.AccountName, previous.AccountPassword)).toBe(true);
    expect(await redis.canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
  });

  it("after a rotation cancelled past its setSecret, the next proves the alternate by the abandoned version", async () => {
    // Prepare: the second rotation sets the alternate's password, then is cancelled.
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-after-cancel", value);
    await setup.engine().rotate({ secretName });
    const engine = setup.engine();
    const { versionId } = await engine.rotate({ secretName, step: "createSecret" });
    await engine.rotate({ secretName, step: "setSecret", versionId });
    const cancelled = await cancelRotation({
      kms: setup.kms,
      secretName,
      testCurrent: async () => undefined,
      // Past the abandoned rotation's lease.
      now: Date.now() + 2 * 60 * 60 * 1000,
    });
    expect(cancelled.cancelledVersionId).toBe(versionId);
    const before = await setup.read(secretName);

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await setup.read(secretName);
    expect(current.AccountName).toBe(value.AccountName);
    expect(current.versionId).not.toBe(versionId);
    expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
    expect(await redis.canLogin(before.AccountName, before.AccountPassword)).toBe(true);
  });

  it.each([
    ["an alternate suffix with a space", { alternateSuffix: " x" }, /white space/],
    [
      "a current password that does not log in",
      { AccountPassword: "Wrong-password-1" },
      /login refused/,
    ],
  ])("refuses %s, and changes nothing on the server", async (_what, change, error) => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-bad", { ...value, ...change });
    const usersBefore = await asRedisAdmin(redis, "ACL", "LIST");

    // Act
    const failure = await failureOf(setup.engine().rotate({ secretName }));

    // Assess
    expect(String(failure)).toMatch(error);
    expect(String(failure)).not.toContain(value.AccountPassword);
    expect(await asRedisAdmin(redis, "ACL", "LIST")).toEqual(usersBefore);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(true);
  });
});

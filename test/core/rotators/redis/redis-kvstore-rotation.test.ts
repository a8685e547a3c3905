/**
 * The Redis rotator on ApsaraDB for Redis/Tair, through the local R-kvstore
 * product (a real redis-server behind the instance): the alternate account
 * gets the current one's privilege, now and after it changes; an account
 * whose rules match no privilege is refused; only instances the deployment
 * lists are touched, and only at their own address, before any login; an
 * emergency leaves no leaked password working.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../../../src/cloud-api/errors.ts";
import type { KvstoreAccountPrivilege } from "../../../../src/cloud-api/kvstore-client.ts";
import { DEFAULT_DEPLOY_POLICY } from "../../../../src/core/contract/deploy-policy.ts";
import { TargetMismatchError } from "../../../../src/core/contract/trust-boundary-errors.ts";
import { RedisRotationRefusedError } from "../../../../src/core/rotators/redis/redis-errors.ts";
import type { RedisSecretValue } from "../../../../src/core/rotators/redis/redis-secret-value.ts";
import { kvstorePassword, redisBacking } from "../../../local-cloud/kvstore/local-kvstore-world.ts";
import { deployPolicyWith } from "../../../support/deploy-policies.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import { asRedisAdmin } from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

describe.skipIf(skipUnlessRedis())("redis rotator on ApsaraDB for Redis/Tair", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;
  const instanceId = `r-rot${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    redis = await startRedis({ adminUser: "admin" });
    setup = await startRedisRotationSetup({
      redisInstances: { [instanceId]: redisBacking(redis) },
    });
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  async function newAccount(
    privilege: KvstoreAccountPrivilege = "RoleReadWrite",
    mode: "dual" | "single" = "dual",
  ): Promise<RedisSecretValue> {
    const AccountName = `app_${randomBytes(4).toString("hex")}`;
    const AccountPassword = kvstorePassword();
    await setup.kvstore.createAccount({
      instanceId,
      accountName: AccountName,
      accountPassword: AccountPassword,
      accountPrivilege: privilege,
    });
    return {
      AccountName,
      AccountPassword,
      engine: "redis",
      host: redis.host,
      port: redis.port,
      InstanceId: instanceId,
      mode,
    };
  }

  const privilegeOf = async (name: string) =>
    (await setup.kvstore.describeAccounts({ instanceId, accountName: name })).accounts[0]
      ?.accountPrivilege;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it("creates the alternate with the current account's privilege, then takes turns", async () => {
    // Prepare
    const value = await newAccount("RoleReadOnly");
    const secretName = await setup.createSecret("redis-tair", value);

    // Act
    await setup.engine().rotate({ secretName });
    const afterOne = await setup.read(secretName);
    await setup.engine().rotate({ secretName });
    const afterTwo = await setup.read(secretName);

    // Assess
    expect(afterOne.AccountName).toBe(`${value.AccountName}_rt`);
    expect(await privilegeOf(afterOne.AccountName)).toBe("RoleReadOnly");
    expect(afterTwo.AccountName).toBe(value.AccountName);
    expect(await redis.canLogin(afterTwo.AccountName, afterTwo.AccountPassword)).toBe(true);
    expect(await redis.canLogin(afterOne.AccountName, afterOne.AccountPassword)).toBe(true);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(false);
  });

  it("gives the alternate a privilege the current account gained since", async () => {
    // Prepare: after one rotation the alternate is current; it gains read-write.
    const value = await newAccount("RoleReadOnly");
    const secretName = await setup.createSecret("redis-tair-grant", value);
    await setup.engine().rotate({ secretName });
    const current = await setup.read(secretName);
    await setup.kvstore.grantAccountPrivilege({
      instanceId,
      accountName: current.AccountName,
      accountPrivilege: "RoleReadWrite",
    });

    // Act
    await setup.engine().rotate({ secretName });

    // Assess
    expect(await privilegeOf(value.AccountName)).toBe("RoleReadWrite");
  });

  it("refuses an account whose rules match no privilege, and changes nothing", async () => {
    // Prepare: rules set on the server by other means.
    const value = await newAccount();
    await asRedisAdmin(redis, "ACL", "SETUSER", value.AccountName, "resetkeys", "~orders:*");
    const secretName = await setup.createSecret("redis-tair-custom", value);

    // Act
    const failure = await failureOf(setup.engine().rotate({ secretName }));

    // Assess
    expect(failure).toBeInstanceOf(RedisRotationRefusedError);
    expect((failure as Error).message).toContain("match no privilege");
    expect(await privilegeOf(`${value.AccountName}_rt`)).toBeUndefined();
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(true);
  });

  it("touches no instance the deployment does not list: nothing called, nothing stored", async () => {
    // Prepare
    const value = await newAccount();
    const secretName = await setup.createSecret("redis-tair-unlisted", value);
    const versions = async () =>
      (await setup.kms.listSecretVersionIds({ secretName, includeDeprecated: true })).versions;
    const before = await versions();
    const calls: string[] = [];

    // Act
    const failure = await failureOf(
      setup
        .engine({
          policy: DEFAULT_DEPLOY_POLICY,
          beforeExternalCall: (call) => void calls.push(call.name),
        })
        .rotate({ secretName }),
    );

    // Assess
    expect(failure).toBeInstanceOf(PolicyError);
    expect((failure as Error).message).toContain("ROTOR_REDIS_INSTANCES: none");
    expect(calls.filter((name) => /^(redis|kvstore)\./.test(name))).toEqual([]);
    expect(await versions()).toEqual(before);
  });

  it.each([
    ["a host that is not the instance's", { host: "localhost" }],
    ["a port that is not the instance's", { port: 1 }],
  ])("refuses %s before any login", async (_what, change) => {
    // Prepare
    const value = await newAccount();
    const secretName = await setup.createSecret("redis-tair-address", { ...value, ...change });
    const calls: string[] = [];

    // Act
    const failure = await failureOf(
      setup
        .engine({
          policy: deployPolicyWith({ redisInstances: { any: false, values: [instanceId] } }),
          beforeExternalCall: (call) => void calls.push(call.name),
        })
        .rotate({ secretName }),
    );

    // Assess
    expect(failure).toBeInstanceOf(TargetMismatchError);
    expect((failure as Error).message).toContain(
      `not an address of ApsaraDB for Redis/Tair instance ${instanceId}`,
    );
    expect(calls).toContain("kvstore.DescribeDBInstanceNetInfo");
    expect(
      calls.filter((name) => name === "redis.login" || name.startsWith("kvstore.Reset")),
    ).toEqual([]);
  });

  it("emergency: neither leaked password logs in afterwards; the next rotation takes its turn", async () => {
    // Prepare
    const value = await newAccount();
    const secretName = await setup.createSecret("redis-tair-emergency", value);
    await setup.engine().rotate({ secretName });
    const leakedCurrent = await setup.read(secretName);
    const leakedPrevious = await setup.read(secretName, "ACSPrevious");

    // Act
    await setup.engine().rotate({ secretName, emergency: true });
    const next = await setup.engine().rotate({ secretName });

    // Assess
    expect(next.outcome).toBe("rotated");
    for (const leaked of [leakedCurrent, leakedPrevious]) {
      expect(await redis.canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
    }
    const current = await setup.read(secretName);
    expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
  });

  it("single mode: the account's one password is reset through the API", async () => {
    // Prepare
    const value = await newAccount("RoleReadWrite", "single");
    const secretName = await setup.createSecret("redis-tair-single", value);

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const now = await setup.read(secretName);
    expect(now.AccountName).toBe(value.AccountName);
    expect(await redis.canLogin(now.AccountName, now.AccountPassword)).toBe(true);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(false);
    expect(now.AccountPassword).toHaveLength(32);
  });
});

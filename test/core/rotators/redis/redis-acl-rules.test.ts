/**
 * What a dual-account rotation gives the alternate user on a real Redis 7
 * server: exactly the current user's ACL rules (commands with categories,
 * subcommands and first arguments, key patterns with read and write
 * permissions, channel patterns, selectors, the payload-sanitizing flag),
 * read back by ACL GETUSER and used by logging in as the alternate; rules
 * the current user gains or loses later follow at the next rotation; and
 * the alternate keeps exactly one password.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import {
  aclOf,
  asRedisAdmin,
  createApplicationUser,
  createMasterSecret,
  runAs,
  uniqueSuffix,
} from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

describe.skipIf(skipUnlessRedis())("redis dual-account: the alternate user's ACL rules", () => {
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

  const rulesOf = async (user: string) => {
    const acl = await aclOf(redis, user);
    if (!acl) throw new Error(`no user ${user}`);
    const { passwords: _passwords, flags, ...rules } = acl;
    return { ...rules, flags: flags.filter((flag) => flag.includes("sanitize")) };
  };

  async function dualSecret(rules: (name: string) => string[]) {
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const name = `app_${uniqueSuffix()}`;
    const value = await createApplicationUser(redis, { masterSecret: master, rules: rules(name) });
    return { value, secretName: await setup.createSecret("redis-rules", value) };
  }

  it("gives the alternate exactly the current user's commands, keys, channels, selectors and flags", async () => {
    // Prepare
    const { value, secretName } = await dualSecret(() => [
      "sanitize-payload",
      "~app:*",
      "%R~shared:*",
      "%W~log:*",
      "resetchannels",
      "&events.*",
      "-@all",
      "+@hash",
      "+get",
      "+set",
      "+publish",
      "-hdel",
      "+client|id",
      "+select|0",
      "(~other:* +get)",
      "(%W~audit:* +xadd &audit.*)",
    ]);
    await asRedisAdmin(redis, "SET", "shared:greeting", "hello");

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const now = await setup.read(secretName);
    expect(now.AccountName).toBe(`${value.AccountName}_rt`);
    expect(await rulesOf(now.AccountName)).toEqual(await rulesOf(value.AccountName));
    expect((await aclOf(redis, now.AccountName))?.passwords).toBe(1);
    const as = (...command: [string, ...string[]]) =>
      runAs(redis, now.AccountName, now.AccountPassword, ...command);
    expect(await as("SET", "app:key", "1")).toBe("OK");
    expect(await as("GET", "shared:greeting")).toBe("hello");
    await expect(as("SET", "shared:greeting", "changed")).rejects.toThrow(/NOPERM/);
    expect(await as("GET", "other:key")).toBeNull();
    expect(await as("XADD", "audit:stream", "*", "field", "value")).toMatch(/^\d+-\d+$/);
    await expect(as("HDEL", "app:hash", "field")).rejects.toThrow(/NOPERM/);
    await expect(as("SELECT", "1")).rejects.toThrow(/NOPERM/);
    expect(await as("SELECT", "0")).toBe("OK");
    expect(await as("PUBLISH", "events.created", "x")).toBe(0);
    await expect(as("PUBLISH", "other", "x")).rejects.toThrow(/NOPERM/);
    await expect(as("CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
  });

  it("brings the alternate in line at every rotation: rules gained and lost later follow", async () => {
    // Prepare: after one rotation the alternate (_rt) is current.
    const { value, secretName } = await dualSecret((name) => [`~${name}:*`, "+@read", "+@write"]);
    await setup.engine().rotate({ secretName });
    const current = await setup.read(secretName);
    await asRedisAdmin(
      redis,
      "ACL",
      "SETUSER",
      current.AccountName,
      "-@write",
      "+set",
      "~reports:*",
      "(~archive:* +get)",
    );

    // Act: the next rotation gives the original user a new password, and the new rules.
    await setup.engine().rotate({ secretName });

    // Assess
    const now = await setup.read(secretName);
    expect(now.AccountName).toBe(value.AccountName);
    expect(await rulesOf(now.AccountName)).toEqual(await rulesOf(current.AccountName));
    const as = (...command: [string, ...string[]]) =>
      runAs(redis, now.AccountName, now.AccountPassword, ...command);
    expect(await as("SET", "reports:1", "x")).toBe("OK");
    await expect(as("DEL", "reports:1")).rejects.toThrow(/NOPERM/);
    expect(await as("GET", "archive:1")).toBeNull();
    expect((await aclOf(redis, now.AccountName))?.passwords).toBe(1);
  });

  it("copies the rules to a pre-created pair too", async () => {
    // Prepare: two users made by hand; the second's credentials stored first (ACSPrevious).
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const first = await createApplicationUser(redis, {
      masterSecret: master,
      rules: ["~pair:*", "+get", "+set"],
    });
    const second = await createApplicationUser(redis, { masterSecret: master, rules: ["+ping"] });
    const accounts = [first.AccountName, second.AccountName] as [string, string];
    const secretName = await setup.createSecret("redis-pair", { ...second, accounts });
    await setup.kms.putSecretValue({
      secretName,
      versionId: `v1-${uniqueSuffix()}`,
      secretData: JSON.stringify({ ...first, accounts }),
    });

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const now = await setup.read(secretName);
    expect(now.AccountName).toBe(second.AccountName);
    expect(await rulesOf(second.AccountName)).toEqual(await rulesOf(first.AccountName));
    expect(await runAs(redis, now.AccountName, now.AccountPassword, "SET", "pair:1", "x")).toBe(
      "OK",
    );
  });
});

/**
 * TLS as the secret asks for it, on a TLS-only redis-server: the server's
 * certificate is checked by default (against Node's authorities when the
 * secret gives none, so a private authority's certificate is refused, as is
 * a name the certificate does not hold); a secret without `tls` never
 * reaches the server in plaintext; `verify: false` connects anyway. A
 * refused connection changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisUnavailableError } from "../../../../src/core/rotators/redis/redis-errors.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import {
  aclOf,
  asRedisAdmin,
  createApplicationUser,
  createMasterSecret,
  uniqueSuffix,
} from "./redis-fixtures.ts";
import { type RedisRotationSetup, startRedisRotationSetup } from "./redis-rotation-setup.ts";

describe.skipIf(skipUnlessRedis())("redis rotation over TLS", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;

  beforeAll(async () => {
    [redis, setup] = await Promise.all([
      startRedis({ adminUser: "admin", tls: true }),
      startRedisRotationSetup(),
    ]);
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  it.each([
    ["no authority given: the server's private one is not trusted", () => ({ verify: true })],
    [
      "a name the certificate does not hold",
      () => ({ ca: redis.tls?.ca, serverName: "db.example.test", verify: true }),
    ],
    ["no tls at all: never plaintext", () => undefined],
  ])("refuses %s, and changes nothing", async (_what, tlsOf) => {
    // Prepare
    const value = await createApplicationUser(redis);
    const tls = tlsOf();
    const secretName = await setup.createSecret("redis-tls", { ...value, tls });
    const usersBefore = await asRedisAdmin(redis, "ACL", "LIST");

    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect(await asRedisAdmin(redis, "ACL", "LIST")).toEqual(usersBefore);
    expect((await aclOf(redis, value.AccountName))?.passwords).toBe(1);
  });

  it("with verify: false, connects without checking the certificate", async () => {
    // Prepare
    const value = await createApplicationUser(redis);
    const secretName = await setup.createSecret("redis-tls-unverified", {
      ...value,
      tls: { verify: false },
    });

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const now = await setup.read(secretName);
    expect(await redis.canLogin(now.AccountName, now.AccountPassword)).toBe(true);
  });

  it("dual mode: the master logs in with its own TLS settings, the users with the secret's", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("redis-tls-dual", value);

    // Act
    await setup.engine().rotate({ secretName });
    await setup.engine().rotate({ secretName });

    // Assess
    const now = await setup.read(secretName);
    const previous = await setup.read(secretName, "ACSPrevious");
    expect(now.AccountName).toBe(value.AccountName);
    expect(await redis.canLogin(now.AccountName, now.AccountPassword)).toBe(true);
    expect(await redis.canLogin(previous.AccountName, previous.AccountPassword)).toBe(true);
  });
});

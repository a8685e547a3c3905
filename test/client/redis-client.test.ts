/**
 * createRedisClient against a real redis-server while Rotor's own Redis
 * rotator rotates its secret: an application keeps running commands
 * through one long-lived client (whose connections are dropped after every
 * rotation, so each one logs in again with what it cached) and through
 * brand-new clients sharing one SecretsClient (whose cached login goes
 * stale after two rotations), and no command fails, in both modes and in
 * an emergency, which ends the leaked user's connections. The server's ACL
 * log shows the stale logins were refused, so the recovery was exercised.
 * A command answered NOAUTH (a connection that lost its login) runs again
 * once the connection has logged in afresh.
 * On ApsaraDB single-user mode, a new connection between setSecret and
 * finishSecret logs in with the pending version.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../../src/client/redis-client.ts";
import { SecretsClient } from "../../src/client/secrets-client.ts";
import { ConfigError, ValidationError } from "../../src/cloud-api/errors.ts";
import {
  asRedisAdmin,
  createApplicationUser,
  createMasterSecret,
  uniqueSuffix,
} from "../core/rotators/redis/redis-fixtures.ts";
import {
  type RedisRotationSetup,
  startRedisRotationSetup,
} from "../core/rotators/redis/redis-rotation-setup.ts";
import { kvstorePassword, redisBacking } from "../local-cloud/kvstore/local-kvstore-world.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";

const ROTATIONS = 8;

/** Users' failed logins in the server's ACL log (it keeps the newest 128). */
async function refusedLogins(redis: RunningRedis): Promise<number> {
  const entries = (await asRedisAdmin(redis, "ACL", "LOG", "128")) as unknown[][];
  return entries.filter((entry) => {
    const index = entry.indexOf("reason");
    return index >= 0 && entry[index + 1] === "auth";
  }).length;
}

describe.skipIf(skipUnlessRedis())("createRedisClient while the secret rotates", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;
  const instanceId = `r-client${randomBytes(4).toString("hex")}`;

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

  const secretsClient = () =>
    new SecretsClient({ endpoint: setup.cloud.endpoint, credentials: setup.cloud.credentials });

  /**
   * Workers running SET and GET until stopped, through `client` and, every
   * fourth time, through a brand-new client built with the same options.
   */
  function application(options: Parameters<typeof createRedisClient>[0], key: string) {
    const client = createRedisClient(options);
    const failures: string[] = [];
    let commands = 0;
    let running = true;
    let waiters: (() => void)[] = [];
    const worker = async (index: number) => {
      for (let turn = 0; running; turn++) {
        const fresh = (turn + index) % 4 === 0 ? createRedisClient(options) : undefined;
        const through: Redis = fresh ?? client;
        try {
          const value = `${index}-${turn}`;
          await through.set(`${key}:${index}`, value);
          if ((await through.get(`${key}:${index}`)) !== value) failures.push("wrong value");
          commands += 2;
        } catch (error) {
          failures.push(String((error as Error).message).slice(0, 120));
        } finally {
          fresh?.disconnect();
        }
        if (fresh) {
          for (const wake of waiters) wake();
          waiters = [];
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const workers = Promise.all([0, 1, 2].map(worker));
    return {
      client,
      /** Resolves once a worker has run its commands through a brand-new client again. */
      nextRound: () => new Promise<void>((resolve) => waiters.push(resolve)),
      async stop() {
        running = false;
        await workers;
        client.disconnect();
        return { failures, commands };
      },
    };
  }

  /** Closes every connection of the users, as a network blip would. */
  const dropConnections = async (...users: string[]) => {
    for (const user of users) {
      // A single user has no `_rt` twin: the server says there is no such user.
      await asRedisAdmin(redis, "CLIENT", "KILL", "USER", user).catch(() => undefined);
    }
  };

  it("logs in as the secret says; refuses login options and a value that is no Redis login", async () => {
    // Prepare
    const value = await createApplicationUser(redis);
    const secretName = await setup.createSecret("client-basic", value);
    const otherEngine = await setup.createSecret("client-mysql", {
      ...value,
      engine: "mysql",
    } as never);
    const secrets = secretsClient();

    // Act
    const client = createRedisClient({ secretName, secrets });
    const whoAmI = await client.call("ACL", "WHOAMI").catch(() => undefined);
    await client.set(`${value.AccountName}:k`, "v");
    const stored = await client.get(`${value.AccountName}:k`);
    client.disconnect();
    const wrong = createRedisClient({ secretName: otherEngine, secrets });
    const refusal = await wrong.get("x").catch((error: unknown) => error);
    wrong.disconnect();

    // Assess
    expect(stored).toBe("v");
    expect(whoAmI === undefined || whoAmI === value.AccountName).toBe(true);
    expect(() => createRedisClient({ secretName, secrets, password: "x" } as never)).toThrow(
      ConfigError,
    );
    expect(() => createRedisClient({ secretName: " ", secrets })).toThrow(ValidationError);
    expect(refusal).toBeInstanceOf(ValidationError);
    expect(String((refusal as Error).message)).toContain("is for engine mysql, not redis");
    expect(String((refusal as Error).message)).not.toContain(value.AccountPassword);
    expect(JSON.stringify(client.options)).not.toContain(value.AccountPassword);
  });

  it("a command the server answers NOAUTH (the connection lost its login) runs again after a fresh login", async () => {
    // Prepare: RESET logs the connection out; `default` is off, so the next command is refused.
    const value = await createApplicationUser(redis);
    const secretName = await setup.createSecret("client-noauth", value);
    const client = createRedisClient({ secretName, secrets: secretsClient() });
    await client.set(`${value.AccountName}:k`, "before");
    await client.call("RESET");

    // Act
    const answer = await client.set(`${value.AccountName}:k`, "after").catch(String);
    const whoAmI = await client.call("ACL", "WHOAMI").catch(String);
    client.disconnect();

    // Assess
    expect(answer).toBe("OK");
    expect(whoAmI).toBe(value.AccountName);
  });

  for (const mode of ["dual", "single"] as const) {
    it(`${mode}: ${ROTATIONS} back-to-back rotations cost the application no command, though stale logins were refused`, async () => {
      // Prepare
      const master =
        mode === "dual"
          ? await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`)
          : undefined;
      const value = await createApplicationUser(redis, { masterSecret: master });
      const secretName = await setup.createSecret(`client-${mode}`, value);
      await asRedisAdmin(redis, "ACL", "LOG", "RESET");
      const app = application({ secretName, secrets: secretsClient() }, value.AccountName);
      await app.client.ping();

      // Act
      for (let rotation = 0; rotation < ROTATIONS; rotation++) {
        const result = await setup.engine().rotate({ secretName });
        expect(result.outcome).toBe("rotated");
        await dropConnections(value.AccountName, `${value.AccountName}_rt`);
        await app.nextRound();
      }
      const { failures, commands } = await app.stop();

      // Assess
      expect(failures).toEqual([]);
      expect(commands).toBeGreaterThanOrEqual(ROTATIONS * 2);
      expect(await refusedLogins(redis)).toBeGreaterThan(0);
    }, 120_000);
  }

  it("emergency: the connections the rotation ends come back with the new login; no command fails", async () => {
    // Prepare
    const master = await createMasterSecret(setup.kms, redis, `master-${uniqueSuffix()}`);
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = await setup.createSecret("client-emergency", value);
    await setup.engine().rotate({ secretName });
    const leaked = await setup.read(secretName);
    const app = application({ secretName, secrets: secretsClient() }, value.AccountName);
    await app.client.ping();

    // Act
    const result = await setup.engine().rotate({ secretName, emergency: true });
    await app.nextRound();
    const after = await app.client.call("ACL", "WHOAMI");
    const { failures } = await app.stop();

    // Assess
    expect(result.outcome).toBe("rotated");
    expect(failures).toEqual([]);
    const current = await setup.read(secretName);
    expect(after).toBe(current.AccountName);
    expect(current.AccountName).not.toBe(leaked.AccountName);
  }, 60_000);

  it("ApsaraDB single-user: between setSecret and finishSecret a new connection logs in with the pending version", async () => {
    // Prepare: the account's one password is already the pending one.
    const AccountName = `app_${randomBytes(4).toString("hex")}`;
    const AccountPassword = kvstorePassword();
    await setup.kvstore.createAccount({
      instanceId,
      accountName: AccountName,
      accountPassword: AccountPassword,
    });
    const secretName = await setup.createSecret("client-tair", {
      AccountName,
      AccountPassword,
      engine: "redis",
      host: redis.host,
      port: redis.port,
      InstanceId: instanceId,
      mode: "single",
    });
    const engine = setup.engine();
    const { versionId } = await engine.rotate({ secretName, step: "createSecret" });
    await engine.rotate({ secretName, step: "setSecret", versionId });
    expect(await redis.canLogin(AccountName, AccountPassword)).toBe(false);

    // Act
    const client = createRedisClient({ secretName, secrets: secretsClient() });
    const answer = await client.set(`${AccountName}:k`, "v");
    client.disconnect();

    // Assess
    expect(answer).toBe("OK");
  });
});

describe.skipIf(skipUnlessRedis())("createRedisClient over TLS", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;
  beforeAll(async () => {
    redis = await startRedis({ adminUser: "admin", tls: true });
    setup = await startRedisRotationSetup();
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  it("speaks TLS as the secret's tls says, checking the server's certificate", async () => {
    // Prepare
    const value = await createApplicationUser(redis);
    const secretName = await setup.createSecret("client-tls", value);
    const unverifiable = await setup.createSecret("client-tls-bad", {
      ...value,
      tls: { verify: true },
    });
    const secrets = new SecretsClient({
      endpoint: setup.cloud.endpoint,
      credentials: setup.cloud.credentials,
    });

    // Act
    const client = createRedisClient({ secretName, secrets });
    const answer = await client.set(`${value.AccountName}:k`, "v");
    client.disconnect();
    const refused = createRedisClient({
      secretName: unverifiable,
      secrets,
      retryStrategy: () => null,
    });
    const failure = await refused.get(`${value.AccountName}:k`).catch((error: unknown) => error);
    refused.disconnect();

    // Assess
    expect(value.tls).toMatchObject({ ca: redis.tls?.ca, verify: true });
    expect(answer).toBe("OK");
    expect(failure).toBeInstanceOf(Error);
  });
});

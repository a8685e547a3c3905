/**
 * A real Redis standing behind an InstanceId of a local cloud, and the
 * ApsaraDB for Redis/Tair clients for that cloud: what the local Redis/Tair
 * product tests share. Also account names and passwords Tair accepts, and
 * the account's side of the server (log in, run a command) that proves what
 * an action did.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { KvstoreClient, type KvstoreClientOptions } from "../../../src/cloud-api/kvstore-client.ts";
import type { LocalRedisInstance } from "../../../src/local-cloud/kvstore/local-redis-instance.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import { type RedisServerOptions, type RunningRedis, startRedis } from "../../support/redis.ts";
import { useSuiteWorld } from "../rds/local-rds-world.ts";

export interface LocalKvstoreWorld {
  cloud: TestCloud;
  redis: RunningRedis;
  /** The InstanceId the local product maps to the server. */
  instanceId: string;
  /** What the product was given for the instance. */
  instance: LocalRedisInstance;
  /** Every line the local cloud logged. */
  logLines: string[];
  /** A client for the cloud, as root unless other credentials are given; fast retries. */
  kvstore(options?: Omit<KvstoreClientOptions, "endpoint">): KvstoreClient;
  /** Runs one command as the account (a connection of its own, closed after). */
  runAs(account: string, password: string, ...command: [string, ...string[]]): Promise<unknown>;
  /** Runs one command as the server's administrator. */
  runAsAdmin(...command: [string, ...string[]]): Promise<unknown>;
}

/** The product's view of a test server: its administrator and, with TLS, the authority to trust. */
export function redisBacking(redis: RunningRedis): LocalRedisInstance {
  return {
    host: redis.host,
    port: redis.port,
    adminUser: redis.adminUser,
    adminPassword: redis.adminPassword,
    tls: redis.tls === undefined ? undefined : { ca: redis.tls.ca },
  };
}

/** Starts Redis and a local cloud (memory only) in beforeAll, stops both in afterAll. */
export function useLocalKvstore(options: RedisServerOptions = {}): () => LocalKvstoreWorld {
  return useSuiteWorld(
    "useLocalKvstore()",
    async (atEnd) => {
      const redis = await startRedis(options);
      atEnd(() => redis.stop());
      const instanceId = `r-local${randomBytes(4).toString("hex")}`;
      const instance = redisBacking(redis);
      const logLines: string[] = [];
      const cloud = await startTestCloud({
        inMemory: true,
        log: (line) => logLines.push(line),
        redisInstances: { [instanceId]: instance },
      });
      atEnd(() => cloud.close());
      const run = async (user: string, password: string, command: [string, ...string[]]) => {
        const client = new Redis(redis.clientOptions(user, password));
        client.on("error", () => undefined);
        try {
          await client.connect();
          return await client.call(...command);
        } finally {
          client.disconnect();
        }
      };
      return {
        cloud,
        redis,
        instanceId,
        instance,
        logLines,
        kvstore: kvstoreClientsFor(cloud),
        runAs: (account, password, ...command) => run(account, password, command),
        runAsAdmin: (...command) => run(redis.adminUser, redis.adminPassword, command),
      };
    },
    60_000,
  );
}

/** Clients for `cloud`: as root unless other credentials are given, with fast retries. */
export function kvstoreClientsFor(cloud: TestCloud): LocalKvstoreWorld["kvstore"] {
  return (options = {}) =>
    new KvstoreClient({
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...options,
      endpoint: cloud.endpoint,
    });
}

/** A password Tair accepts (upper, lower, digits and a special), unique per call. */
export function kvstorePassword(): string {
  return `Kv-${randomBytes(10).toString("hex")}A`;
}

/** An account name Tair accepts (16 characters at most), unique per call. */
export function kvstoreAccountName(prefix = "app"): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/** A new account made with CreateAccount, for a test to act on. */
export async function newKvstoreAccount(
  world: LocalKvstoreWorld,
  options: { prefix?: string; privilege?: "RoleReadOnly" | "RoleReadWrite" | "RoleRepl" } = {},
): Promise<{ name: string; password: string }> {
  const name = kvstoreAccountName(options.prefix);
  const password = kvstorePassword();
  await world.kvstore().createAccount({
    instanceId: world.instanceId,
    accountName: name,
    accountPassword: password,
    accountPrivilege: options.privilege,
  });
  return { name, password };
}

/** The account as DescribeAccounts reports it (undefined when there is none). */
export async function describedAccount(world: LocalKvstoreWorld, name: string) {
  const { accounts } = await world
    .kvstore()
    .describeAccounts({ instanceId: world.instanceId, accountName: name });
  return accounts[0];
}

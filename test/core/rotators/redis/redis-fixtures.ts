/**
 * Shared set-up for the Redis rotator tests: ACL users with rules of their
 * own on a real server, their secret values, a master secret in the local
 * cloud whose user holds only what the rotator documents it needs, and the
 * checks that say whether a password works and what a user may do.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import type { RedisSecretValue } from "../../../../src/core/rotators/redis/redis-secret-value.ts";
import type { RunningRedis } from "../../../support/redis.ts";

export const uniqueSuffix = () => randomBytes(4).toString("hex");

/** A password no generator of ours would make, unique per call. */
export const initialPassword = () => `Init-${randomBytes(12).toString("hex")}`;

/** What a master needs, and nothing more (docs/rotators-redis.md, "Master secrets"). */
export const MASTER_RULES = ["-@all", "+acl|getuser", "+acl|setuser", "+client|kill"];

/** What a single-user rotation needs on the user itself, besides its own rules. */
export const SELF_ROTATION_RULES = ["+acl|setuser", "+client|kill"];

/** The rules an application user gets by default: its own keys and channels, no administration. */
export const APPLICATION_RULES = (name: string) => [
  `~${name}:*`,
  `&${name}:*`,
  "+@all",
  "-@admin",
  "-@dangerous",
];

/** Runs one command as the server's administrator (no rotation code involved). */
export async function asRedisAdmin(redis: RunningRedis, ...command: [string, ...string[]]) {
  return runAs(redis, redis.adminUser, redis.adminPassword, ...command);
}

/** Runs one command as `user` on a connection of its own, closed after. */
export async function runAs(
  redis: RunningRedis,
  user: string,
  password: string,
  ...command: [string, ...string[]]
): Promise<unknown> {
  // No ready check: INFO is a command a user with narrow rules may not run.
  const client = new Redis({
    ...redis.clientOptions(user, password),
    protocol: 2,
    enableReadyCheck: false,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

/** ACL GETUSER of `user` as the administrator: its flags, password hashes and rules, as the server keeps them. */
export async function aclOf(redis: RunningRedis, user: string) {
  const reply = (await asRedisAdmin(redis, "ACL", "GETUSER", user)) as unknown[] | null;
  if (reply === null) return undefined;
  const fields = new Map<string, unknown>();
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields.set(String(reply[index]), reply[index + 1]);
  }
  return {
    flags: fields.get("flags") as string[],
    passwords: (fields.get("passwords") as string[]).length,
    commands: fields.get("commands"),
    keys: fields.get("keys"),
    channels: fields.get("channels"),
    selectors: fields.get("selectors"),
  };
}

/** A master user with MASTER_RULES and its secret, which carries the server it belongs to. */
export async function createMasterSecret(
  kms: KmsClient,
  redis: RunningRedis,
  secretName: string,
): Promise<string> {
  const name = `master_${uniqueSuffix()}`;
  const password = initialPassword();
  await asRedisAdmin(redis, "ACL", "SETUSER", name, "on", `>${password}`, ...MASTER_RULES);
  await kms.createSecret({
    secretName,
    versionId: `v0-${uniqueSuffix()}`,
    secretData: JSON.stringify({
      AccountName: name,
      AccountPassword: password,
      engine: "redis",
      host: redis.host,
      port: redis.port,
      ...(redis.tls ? { tls: { ca: redis.tls.ca, serverName: "localhost" } } : {}),
    }),
  });
  return secretName;
}

/**
 * Creates an application user with `rules` (default: its own keys and
 * channels, everything but administration); returns the secret value naming
 * it. With `masterSecret` the value asks for dual-account rotation; without,
 * the user also gets what a single-user rotation needs (unless
 * `selfRotation` is false).
 */
export async function createApplicationUser(
  redis: RunningRedis,
  options: {
    masterSecret?: string;
    prefix?: string;
    rules?: string[];
    selfRotation?: boolean;
  } = {},
): Promise<RedisSecretValue> {
  const name = `${options.prefix ?? "app"}_${uniqueSuffix()}`;
  const password = initialPassword();
  const selfRotation = options.selfRotation ?? options.masterSecret === undefined;
  const rules = [
    ...(options.rules ?? APPLICATION_RULES(name)),
    ...(selfRotation ? SELF_ROTATION_RULES : []),
  ];
  await asRedisAdmin(redis, "ACL", "SETUSER", name, "on", `>${password}`, ...rules);
  return {
    AccountName: name,
    AccountPassword: password,
    engine: "redis",
    host: redis.host,
    port: redis.port,
    ...(redis.tls ? { tls: { ca: redis.tls.ca, serverName: "localhost", verify: true } } : {}),
    ...(options.masterSecret ? { masterSecret: options.masterSecret } : {}),
  };
}

/** Throws unless the stored value's user logs in with its password. */
export async function verifyLogin(redis: RunningRedis, data: string): Promise<void> {
  const value = JSON.parse(data) as { AccountName: string; AccountPassword: string };
  if (!(await redis.canLogin(value.AccountName, value.AccountPassword))) {
    throw new Error(`user ${value.AccountName} does not log in with the stored password`);
  }
}

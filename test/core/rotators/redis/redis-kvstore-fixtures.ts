/**
 * For the Redis rotator's ApsaraDB for Redis/Tair tests: an account made
 * the ApsaraDB way (CreateAccount on the local R-kvstore product, a real
 * redis-server behind it) and its secret value naming the instance, and
 * the rotator with its R-kvstore calls sent to that cloud.
 */
import type { KvstoreAccountPrivilege } from "../../../../src/cloud-api/kvstore-client.ts";
import { createRedisRotator } from "../../../../src/core/rotators/redis/redis-rotator.ts";
import type { RedisSecretValue } from "../../../../src/core/rotators/redis/redis-secret-value.ts";
import {
  kvstoreAccountName,
  kvstorePassword,
  type LocalKvstoreWorld,
} from "../../../local-cloud/kvstore/local-kvstore-world.ts";

/** The Redis rotator whose R-kvstore calls go to the world's cloud, as root. */
export function kvstoreRedisRotator(world: () => LocalKvstoreWorld) {
  return createRedisRotator({ clouds: { kvstore: () => world().kvstore() } });
}

/** A new account on the world's instance; returns the secret value naming it. */
export async function createKvstoreApplicationAccount(
  world: LocalKvstoreWorld,
  mode: "dual" | "single",
  privilege: KvstoreAccountPrivilege = "RoleReadWrite",
): Promise<RedisSecretValue> {
  const AccountName = kvstoreAccountName();
  const AccountPassword = kvstorePassword();
  await world.kvstore().createAccount({
    instanceId: world.instanceId,
    accountName: AccountName,
    accountPassword: AccountPassword,
    accountPrivilege: privilege,
  });
  return {
    AccountName,
    AccountPassword,
    engine: "redis",
    host: world.redis.host,
    port: world.redis.port,
    ...(world.redis.tls
      ? { tls: { ca: world.redis.tls.ca, serverName: "localhost", verify: true } }
      : {}),
    InstanceId: world.instanceId,
    mode,
  };
}

/** Throws unless the stored value's account logs in with its password. */
export async function verifyKvstoreLogin(world: LocalKvstoreWorld, data: string): Promise<void> {
  const value = JSON.parse(data) as { AccountName: string; AccountPassword: string };
  if (!(await world.redis.canLogin(value.AccountName, value.AccountPassword))) {
    throw new Error(`account ${value.AccountName} does not log in with the stored password`);
  }
}

/**
 * The server the Redis kinds of a crash campaign rotate on: one real
 * redis-server (test/support/redis.ts) for the whole campaign, with ACLs.
 * Self-managed secrets log in to it directly; the ApsaraDB kind reaches it
 * as an instance of the local cloud's R-kvstore product, so the instance id
 * must be known when the local cloud starts.
 */
import { randomBytes } from "node:crypto";
import type { LocalRedisInstances } from "../../src/local-cloud/kvstore/local-redis-instance.ts";
import { type RunningRedis, startRedis } from "../../test/support/redis.ts";

export interface CampaignRedis {
  redis: RunningRedis;
  /** The instance id the local cloud maps to this server. */
  instanceId: string;
  /** What the local cloud is started with so its R-kvstore product reaches this server. */
  redisInstances: LocalRedisInstances;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function startCampaignRedis(): Promise<CampaignRedis> {
  const redis = await startRedis({ adminUser: "admin" });
  const instanceId = `r-campaign${randomBytes(6).toString("hex")}`;
  return {
    redis,
    instanceId,
    redisInstances: {
      [instanceId]: {
        host: redis.host,
        port: redis.port,
        adminUser: redis.adminUser,
        adminPassword: redis.adminPassword,
      },
    },
    stop: () => redis.stop(),
  };
}

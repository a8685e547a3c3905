/**
 * A local cloud, a KMS client and rotation engines wired to the Redis
 * rotator (its R-kvstore calls sent to the same cloud), for the Redis
 * rotation tests that drive rotations themselves (the conformance suite
 * brings its own).
 */
import { randomUUID } from "node:crypto";
import { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import { KvstoreClient } from "../../../../src/cloud-api/kvstore-client.ts";
import type { DeployPolicy } from "../../../../src/core/contract/deploy-policy.ts";
import type { BeforeExternalCall } from "../../../../src/core/contract/rotator-contract.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import type { RedisCloudClients } from "../../../../src/core/rotators/redis/redis-cloud-clients.ts";
import { createRedisRotator } from "../../../../src/core/rotators/redis/redis-rotator.ts";
import type { RedisSecretValue } from "../../../../src/core/rotators/redis/redis-secret-value.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../../src/local-cloud/embedded.ts";
import type { LocalRedisInstances } from "../../../../src/local-cloud/kvstore/local-redis-instance.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";

export interface RedisRotationSetup {
  cloud: RunningLocalCloud;
  kms: KmsClient;
  /** R-kvstore of the cloud, as root. */
  kvstore: KvstoreClient;
  /** The rotator's cloud clients, pointed at this cloud. */
  clouds: RedisCloudClients;
  logLines: string[];
  engine(options?: {
    beforeExternalCall?: BeforeExternalCall;
    clockOffsetMs?: number;
    /** What the deployment allows; default any instance (ANY_INSTANCE). */
    policy?: DeployPolicy;
  }): RotationEngine;
  createSecret(
    prefix: string,
    value: RedisSecretValue,
    tags?: Record<string, string>,
  ): Promise<string>;
  /** The value a stage names, parsed, with its version id. */
  read(secretName: string, stage?: string): Promise<RedisSecretValue & { versionId: string }>;
  close(): Promise<void>;
}

export async function startRedisRotationSetup(
  options: { redisInstances?: LocalRedisInstances } = {},
): Promise<RedisRotationSetup> {
  const cloud = await startLocalCloud({ redisInstances: options.redisInstances });
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const kvstoreAs = () =>
    new KvstoreClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  const clouds: RedisCloudClients = { kvstore: kvstoreAs };
  const rotator = createRedisRotator({ clouds });
  const logLines: string[] = [];
  return {
    cloud,
    kms,
    kvstore: kvstoreAs(),
    clouds,
    logLines,
    engine(engineOptions = {}) {
      const offset = engineOptions.clockOffsetMs ?? 0;
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { redis: rotator },
        policy: engineOptions.policy ?? ANY_INSTANCE,
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: engineOptions.beforeExternalCall,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret(prefix, value, tags = {}) {
      const secretName = `${prefix}-${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        versionId: `v0-${randomUUID()}`,
        secretData: JSON.stringify(value),
        tags: Object.entries({ "rotor:rotator": "redis", ...tags }).map(([key, val]) => ({
          key,
          value: val,
        })),
      });
      return secretName;
    },
    async read(secretName, stage = "ACSCurrent") {
      const version = await kms.getSecretValue({ secretName, versionStage: stage });
      return {
        ...(JSON.parse(version.secretData) as RedisSecretValue),
        versionId: version.versionId,
      };
    },
    close: () => cloud.close(),
  };
}

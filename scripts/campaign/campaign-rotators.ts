/**
 * The rotators a crash campaign drives, wired to one local cloud: the same
 * registry in the killed child and in the parent's recovery invocation, and
 * the deploy policy both run under (the campaign's cloud serves its own
 * instances only, so any instance is allowed).
 */
import type { AccessKeyCredentials } from "../../src/cloud-api/credentials.ts";
import { EcsClient } from "../../src/cloud-api/ecs-client.ts";
import { KvstoreClient } from "../../src/cloud-api/kvstore-client.ts";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { type DeployPolicy, deployPolicyFromEnv } from "../../src/core/contract/deploy-policy.ts";
import type { AnyRotator } from "../../src/core/contract/rotator-contract.ts";
import { createDatabaseRotator } from "../../src/core/rotators/database/database-rotator.ts";
import { mysqlAccounts } from "../../src/core/rotators/database/mysql-accounts.ts";
import { postgresAccounts } from "../../src/core/rotators/database/postgres-accounts.ts";
import type { EcsCloudAssistantClients } from "../../src/core/rotators/ecs/cloud-assistant/ecs-cloud-assistant-clients.ts";
import { createEcsPasswordRotator } from "../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { createEcsSshKeyRotator } from "../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { genericRotator } from "../../src/core/rotators/generic/generic-rotator.ts";
import { createRamAccessKeyRotator } from "../../src/core/rotators/ram-access-key/ram-access-key-rotator.ts";
import { createRedisRotator } from "../../src/core/rotators/redis/redis-rotator.ts";

export interface CloudAddress {
  endpoint: string;
  credentials: AccessKeyCredentials;
}

/**
 * The deployment a campaign's rotations run under: the environment's (the
 * targets add their webhook receiver's origin there before any rotation
 * starts, and the rotation children inherit it), with every instance allowed.
 */
export function campaignPolicy(): DeployPolicy {
  return {
    ...deployPolicyFromEnv(),
    rdsInstances: { any: true },
    polardbClusters: { any: true },
    ecsInstances: { any: true },
    redisInstances: { any: true },
  };
}

export function campaignRotators(cloud: CloudAddress): Record<string, AnyRotator> {
  // The built-in ECS kinds, with their Cloud Assistant calls sent to this cloud.
  const cloudAssistant: EcsCloudAssistantClients = {
    ecs: (regionId) =>
      new EcsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials, region: regionId }),
  };
  // The database rotators' PolarDB calls go to this cloud too (the PolarDB kinds).
  const polardb = {
    polardb: (regionId: string | undefined) =>
      new PolarDbClient({
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        region: regionId,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
      }),
  };
  return {
    "ecs-password": createEcsPasswordRotator({ cloudAssistant }),
    "ecs-ssh-key": createEcsSshKeyRotator({ cloudAssistant }),
    generic: genericRotator,
    mysql: createDatabaseRotator(mysqlAccounts, { polardb }),
    postgres: createDatabaseRotator(postgresAccounts, { polardb }),
    "ram-access-key": createRamAccessKeyRotator({
      ram: () => new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials }),
      stsAs: (credentials) =>
        new StsClient({ endpoint: cloud.endpoint, credentials, retry: { attempts: 1 } }),
    }),
    // Its R-kvstore calls (ApsaraDB for Redis/Tair secrets) go to this cloud.
    redis: createRedisRotator({
      clouds: {
        kvstore: (regionId) =>
          new KvstoreClient({
            endpoint: cloud.endpoint,
            credentials: cloud.credentials,
            region: regionId,
          }),
      },
    }),
  };
}

/**
 * Where the Redis rotator gets its cloud clients: the R-kvstore client for
 * secrets that name an ApsaraDB for Redis/Tair instance, by default the
 * rotation context's (ctx.cloud: the invocation's identity at the
 * deployment's endpoints). A caller that needs another hands the rotator
 * its own (createRedisRotator's options).
 */
import type { KvstoreClient } from "@rotor/cloud-api";

export interface RedisCloudClients {
  /** R-kvstore in `regionId` (undefined: the configured region), as the rotation function's identity. */
  kvstore(regionId: string | undefined): KvstoreClient;
}

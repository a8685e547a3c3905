/**
 * Where the Redis rotator gets its cloud clients: the R-kvstore client for
 * secrets that name an ApsaraDB for Redis/Tair instance. Tests point it at
 * a local cloud. Kept in this one file so that handing rotators their
 * clients through the rotation context changes one place.
 */
import { KvstoreClient } from "@rotor/cloud-api";
import { invocationCredentials } from "../../functions/invocation-credentials.ts";

export interface RedisCloudClients {
  /** R-kvstore in `regionId` (undefined: the configured region), as the rotation function's identity. */
  kvstore(regionId: string | undefined): KvstoreClient;
}

/**
 * R-kvstore as the current invocation (on Function Compute, the function
 * role's keys from context.credentials, see
 * src/core/functions/invocation-credentials.ts; elsewhere the standard credential
 * chain), with the endpoint settings.
 */
export function defaultRedisCloudClients(): RedisCloudClients {
  return {
    kvstore: (regionId) =>
      new KvstoreClient({
        credentials: invocationCredentials(),
        ...(regionId === undefined ? {} : { region: regionId }),
      }),
  };
}

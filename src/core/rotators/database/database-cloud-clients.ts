/**
 * The cloud clients the database rotators call for a secret whose accounts
 * a cloud API manages (an ApsaraDB RDS instance, a PolarDB cluster): the
 * parts of the rotation context's cloud (ctx.cloud, as the invocation's
 * identity at the deployment's endpoints) they use. A caller that needs
 * other clients hands the rotator its own (createDatabaseRotator's options).
 */
import type { PolarDbClient, RdsClient } from "@rotor/cloud-api";

/** Where the rotator gets its RDS client. */
export interface RdsDatabaseClients {
  /** RDS in `regionId` (undefined: the configured region), as the rotation function's identity. */
  rds(regionId: string | undefined): RdsClient;
}

/** Where the rotator gets its PolarDB client. */
export interface PolarDbDatabaseClients {
  /** PolarDB in `regionId` (undefined: the configured region), as the rotation function's identity. */
  polardb(regionId: string | undefined): PolarDbClient;
}

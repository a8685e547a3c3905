/**
 * The cloud clients the database rotators call for a secret whose accounts
 * a cloud API manages (an ApsaraDB RDS instance, a PolarDB cluster), built
 * in this one place: as the current invocation (on Function Compute, the
 * function role's keys from context.credentials, see
 * src/core/functions/invocation-credentials.ts; elsewhere the standard credential
 * chain), with the endpoint settings. Tests hand the rotator their own.
 */
import { PolarDbClient, RdsClient } from "@rotor/cloud-api";
import { invocationCredentials } from "../../functions/invocation-credentials.ts";

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

export function defaultRdsDatabaseClients(): RdsDatabaseClients {
  return {
    rds: (regionId) =>
      new RdsClient({
        credentials: invocationCredentials(),
        ...(regionId === undefined ? {} : { region: regionId }),
      }),
  };
}

export function defaultPolarDbDatabaseClients(): PolarDbDatabaseClients {
  return {
    polardb: (regionId) =>
      new PolarDbClient({
        credentials: invocationCredentials(),
        ...(regionId === undefined ? {} : { region: regionId }),
      }),
  };
}

/**
 * Opens the managed database a secret names (managed-database.ts) through
 * its own product's API: rds-managed-database.ts for an RDS instance,
 * polardb-managed-database.ts for a PolarDB cluster.
 */
import type { ExternalRunner } from "./database-accounts.ts";
import type { PolarDbDatabaseClients, RdsDatabaseClients } from "./database-cloud-clients.ts";
import type { DatabaseEngineName } from "./database-secret-value.ts";
import type { ManagedDatabase, ManagedDatabaseRef } from "./managed-database.ts";
import { polarDbManagedDatabase } from "./polardb-managed-database.ts";
import { rdsManagedDatabase } from "./rds-managed-database.ts";

/** The cloud clients a managed database is reached through. */
export interface ManagedDatabaseClients extends RdsDatabaseClients, PolarDbDatabaseClients {}

/** The named database through its product's API; every call goes through `run`. */
export function openManagedDatabase(
  ref: ManagedDatabaseRef,
  input: { engine: DatabaseEngineName; clients: ManagedDatabaseClients; run: ExternalRunner },
): ManagedDatabase {
  if (ref.product === "rds") {
    return rdsManagedDatabase({
      engine: input.engine,
      instanceId: ref.id,
      client: input.clients.rds(ref.regionId),
      run: input.run,
    });
  }
  return polarDbManagedDatabase({
    engine: input.engine,
    clusterId: ref.id,
    client: input.clients.polardb(ref.regionId),
    run: input.run,
  });
}

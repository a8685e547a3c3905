/**
 * A managed database: an ApsaraDB RDS instance (`DBInstanceId`) or a
 * PolarDB cluster (`DBClusterId`) whose accounts the database rotators
 * change through the product's OpenAPI instead of SQL. This file holds
 * what both products offer the rotators in one vocabulary (accounts, named
 * per-database privileges, the addresses the database is reached at), and
 * which product a secret names; rds-managed-database.ts and
 * polardb-managed-database.ts speak each product's API, and
 * open-managed-database.ts picks the one a secret names.
 */
import type { Allowed, DeployPolicy } from "../../contract/deploy-policy.ts";
import type { DatabaseSecretValue } from "./database-secret-value.ts";

/** An account as the product lists it. */
export interface ManagedAccount {
  accountName: string;
  /** `Normal` or `Super`. */
  accountType: string;
  /** The named privilege the account holds on each database (`Custom` when it matches no name). */
  databasePrivileges: { dbName: string; accountPrivilege: string }[];
}

/** One address the database is reached at. */
export interface ManagedAddress {
  connectionString: string;
  ipAddress: string;
  port: number;
}

/** One RDS instance or PolarDB cluster, through its product's API, as the rotation function's identity. */
export interface ManagedDatabase {
  /** The product's name in messages: `RDS`, `PolarDB`. */
  readonly product: string;
  /** The database in messages, e.g. `RDS instance rm-…`, `PolarDB cluster pc-…`. */
  readonly label: string;
  /** The longest account name the product takes on this engine. */
  readonly maxAccountNameLength: number;
  /**
   * The privileges the product grants a Normal account by name on this
   * engine; empty when its API gives accounts no privileges at all
   * (PolarDB for PostgreSQL).
   */
  readonly namedPrivileges: ReadonlySet<string>;
  /** The account, or undefined when it does not exist. */
  describeAccount(name: string): Promise<ManagedAccount | undefined>;
  /** Creates a Normal account; false when it existed already (a concurrent or crashed run made it). */
  createAccount(name: string, password: string): Promise<boolean>;
  /** Sets the account's named privilege on each database. */
  grant(name: string, grants: { dbName: string; privilege: string }[]): Promise<void>;
  setPassword(name: string, password: string): Promise<void>;
  /** Every address (connection string, IP address and port) the database is reached at. */
  addresses(): Promise<ManagedAddress[]>;
}

/** Which managed database a secret names, and what the deployment says about its product. */
export interface ManagedDatabaseRef {
  product: "rds" | "polardb";
  id: string;
  regionId: string | undefined;
  /** e.g. `RDS instance rm-…`. */
  label: string;
  /** The deploy-time variable that lists the ids the function may manage. */
  variable: "ROTOR_RDS_INSTANCES" | "ROTOR_POLARDB_CLUSTERS";
  allowed(policy: DeployPolicy): Allowed;
}

/** The managed database a secret names, or undefined for a database reached over SQL alone. */
export function managedDatabaseRef(value: DatabaseSecretValue): ManagedDatabaseRef | undefined {
  if (value.DBInstanceId !== undefined) {
    return {
      product: "rds",
      id: value.DBInstanceId,
      regionId: value.RegionId,
      label: `RDS instance ${value.DBInstanceId}`,
      variable: "ROTOR_RDS_INSTANCES",
      allowed: (policy) => policy.rdsInstances,
    };
  }
  if (value.DBClusterId !== undefined) {
    return {
      product: "polardb",
      id: value.DBClusterId,
      regionId: value.RegionId,
      label: `PolarDB cluster ${value.DBClusterId}`,
      variable: "ROTOR_POLARDB_CLUSTERS",
      allowed: (policy) => policy.polardbClusters,
    };
  }
  return undefined;
}

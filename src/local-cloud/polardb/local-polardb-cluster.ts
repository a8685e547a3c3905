/**
 * What stands behind a DBClusterId of the local PolarDB product: a real
 * database server of the cluster's edition (MySQL: a MySQL-family server
 * such as MariaDB; PostgreSQL) and an administrator account on it. The
 * product manages the cluster's accounts through that administrator, as
 * PolarDB's control plane does, with the same account machinery as the
 * local RDS product (rds-mysql-accounts.ts, rds-postgres-accounts.ts).
 *
 * @example
 * startLocalCloud({ polardbClusters: { "pc-local01": {
 *   engine: "MySQL", host: "127.0.0.1", port: 3306, adminUser: "root", adminPassword: "…" } } })
 */
import type { LocalRdsInstance } from "../rds/local-rds-instance.ts";

export interface LocalPolarDbCluster {
  /** The edition: PolarDB for MySQL or PolarDB for PostgreSQL (DBType). */
  engine: "MySQL" | "PostgreSQL";
  host: string;
  port: number;
  /**
   * An account with every privilege, hidden from DescribeAccounts. MySQL:
   * GRANT OPTION included. PostgreSQL: a superuser.
   */
  adminUser: string;
  adminPassword: string;
  /** PostgreSQL only: the database the administrator connects to (default `postgres`). */
  adminDatabase?: string | undefined;
}

/** DBClusterId (`pc-…`) → the server behind it. */
export type LocalPolarDbClusters = Readonly<Record<string, LocalPolarDbCluster>>;

/** The cluster as the shared account stores take a server. */
export function serverOf(cluster: LocalPolarDbCluster): LocalRdsInstance {
  return {
    engine: cluster.engine,
    host: cluster.host,
    port: cluster.port,
    adminUser: cluster.adminUser,
    adminPassword: cluster.adminPassword,
    adminDatabase: cluster.adminDatabase,
  };
}

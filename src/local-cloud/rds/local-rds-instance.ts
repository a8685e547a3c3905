/**
 * What stands behind a DBInstanceId in the local cloud: a real database
 * server and an administrator account on it. The local RDS product manages
 * the instance's accounts through that administrator, as RDS's own control
 * plane does, so logins with the passwords it sets really work.
 */
export interface LocalRdsInstance {
  /**
   * The engine RDS would report. Both speak the MySQL protocol; they differ
   * in RDS's account name rules (MySQL 5.7/8.0: 2 to 32 characters, MariaDB:
   * 2 to 16).
   */
  engine: "MySQL" | "MariaDB";
  host: string;
  port: number;
  /** An account with every privilege, GRANT OPTION included; hidden from DescribeAccounts. */
  adminUser: string;
  adminPassword: string;
}

/** DBInstanceId (e.g. `rm-local1`) → the server behind it. */
export type LocalRdsInstances = Readonly<Record<string, LocalRdsInstance>>;

/**
 * What stands behind a DBInstanceId in the local cloud: a real database
 * server and an administrator account on it. The local RDS product manages
 * the instance's accounts through that administrator, as RDS's own control
 * plane does, so logins with the passwords it sets really work.
 */
export interface LocalRdsInstance {
  /**
   * The engine RDS would report. MySQL and MariaDB speak the MySQL protocol
   * and differ in RDS's account name rules (MySQL 5.7/8.0: 2 to 32
   * characters, MariaDB: 2 to 16); PostgreSQL is managed over its own
   * protocol, with its own names (2 to 63 characters) and privilege
   * (`DBOwner`).
   */
  engine: "MySQL" | "MariaDB" | "PostgreSQL";
  host: string;
  port: number;
  /**
   * An account with every privilege, hidden from DescribeAccounts. MySQL
   * family: GRANT OPTION included. PostgreSQL: a superuser.
   */
  adminUser: string;
  adminPassword: string;
  /** PostgreSQL only: the database the administrator connects to (default `postgres`). */
  adminDatabase?: string | undefined;
}

/** DBInstanceId (e.g. `rm-local1`) → the server behind it. */
export type LocalRdsInstances = Readonly<Record<string, LocalRdsInstance>>;

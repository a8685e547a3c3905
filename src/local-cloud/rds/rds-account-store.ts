/**
 * What the local RDS product needs from the server behind an instance, one
 * implementation per protocol (rds-mysql-accounts.ts for MySQL and MariaDB,
 * rds-postgres-accounts.ts for PostgreSQL). Requests reach a store only
 * after every parameter, the caller's RAM permission and the instance were
 * checked; a store answers rdsErrors, never a driver's error.
 */
import type { LocalRdsInstance } from "./local-rds-instance.ts";
import type {
  RdsAccountPrivilege,
  RdsAccountType,
  RdsPostgresAccountPrivilege,
} from "./rds-account-rules.ts";

export interface RdsDatabasePrivilege {
  dbName: string;
  /** A privilege name the engine takes, or `Custom` for grants that match none. */
  privilege: RdsAccountPrivilege | RdsPostgresAccountPrivilege | "Custom";
  /** The grants themselves, comma-separated, as RDS's AccountPrivilegeDetail. */
  detail: string;
}

export interface RdsAccount {
  name: string;
  type: RdsAccountType;
  privileges: RdsDatabasePrivilege[];
}

export interface RdsAccountStore<Privilege extends string> {
  /** Every RDS account (or the one named), with its per-database privileges. */
  list(instance: LocalRdsInstance, accountName?: string): Promise<RdsAccount[]>;
  /** Throws InvalidAccountName.Duplicate when the name is taken. */
  create(
    instance: LocalRdsInstance,
    input: { name: string; password: string; type: RdsAccountType },
  ): Promise<void>;
  /** Sets the account's privilege on each database; every database is checked before anything changes. */
  grant(
    instance: LocalRdsInstance,
    name: string,
    grants: readonly { dbName: string; privilege: Privilege }[],
  ): Promise<void>;
  /** Throws InvalidAccountName.NotFound unless the account exists. */
  resetPassword(instance: LocalRdsInstance, name: string, password: string): Promise<void>;
}

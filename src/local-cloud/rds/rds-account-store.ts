/**
 * What the local RDS product (and PolarDB, whose clusters are the same
 * kinds of server) needs from the server behind an instance, one
 * implementation per protocol (rds-mysql-accounts.ts for MySQL and MariaDB,
 * rds-postgres-accounts.ts for PostgreSQL). Requests reach a store only
 * after every parameter, the caller's RAM permission and the instance were
 * checked; a store answers with its product's errors (AccountStoreErrors),
 * never a driver's error.
 */
import type { CloudApiError } from "../api-error.ts";
import type { LocalRdsInstance } from "./local-rds-instance.ts";
import type { RdsAccountType } from "./rds-account-rules.ts";

/** How a product answers what a store finds wrong: each product has its own codes and texts. */
export interface AccountStoreErrors {
  accountNotFound(name: string): CloudApiError;
  accountDuplicate(name: string): CloudApiError;
  databaseNotFound(name: string): CloudApiError;
  /** A privilege granted to a Super account, which holds every privilege already. */
  superAccountPrivilege(name: string): CloudApiError;
  /** Deleting an account that still owns objects (dropping it would take them along). */
  accountOwnsObjects(name: string): CloudApiError;
  /** The server failed; the driver's error, which may quote a statement, is never passed on. */
  internal(): CloudApiError;
}

export interface RdsDatabasePrivilege {
  dbName: string;
  /** A privilege name the product and engine take, or `Custom` for grants that match none. */
  privilege: string;
  /** The grants themselves, comma-separated, as RDS's AccountPrivilegeDetail. */
  detail: string;
}

export interface RdsAccount {
  name: string;
  type: RdsAccountType;
  privileges: RdsDatabasePrivilege[];
}

export interface RdsAccountStore<Privilege extends string> {
  /** Every account (or the one named), with its per-database privileges. */
  list(instance: LocalRdsInstance, accountName?: string): Promise<RdsAccount[]>;
  /**
   * Throws InvalidAccountName.Duplicate when the name is taken. `grants`
   * are granted at once; their databases are checked before the account is made.
   */
  create(
    instance: LocalRdsInstance,
    input: {
      name: string;
      password: string;
      type: RdsAccountType;
      grants?: readonly { dbName: string; privilege: Privilege }[] | undefined;
    },
  ): Promise<void>;
  /** Sets the account's privilege on each database; every database is checked before anything changes. */
  grant(
    instance: LocalRdsInstance,
    name: string,
    grants: readonly { dbName: string; privilege: Privilege }[],
  ): Promise<void>;
  /** Throws InvalidAccountName.NotFound unless the account exists. */
  resetPassword(instance: LocalRdsInstance, name: string, password: string): Promise<void>;
  /** Throws InvalidAccountName.NotFound unless the account exists. */
  delete(instance: LocalRdsInstance, name: string): Promise<void>;
}

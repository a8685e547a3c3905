/**
 * The rules of PolarDB accounts (API 2017-08-01) and the error codes PolarDB
 * answers when a request breaks them. Checked before the server behind the
 * cluster is touched, so a refused request changes nothing.
 *
 * Codes and texts from Alibaba's API reference (CreateAccount,
 * CheckAccountName, ModifyAccountPassword, ModifyAccountDescription); the
 * ones marked UNCONFIRMED are not listed there and are this product's best
 * guess.
 */
import { accountPasswordProblem } from "../account-password-rules.ts";
import { CloudApiError } from "../api-error.ts";
import type { AccountStoreErrors } from "../rds/rds-account-store.ts";
import { MYSQL_PRIVILEGE_GRANTS } from "../rds/rds-mysql-accounts.ts";
import type { LocalPolarDbCluster } from "./local-polardb-cluster.ts";

/** Account types; CreateAccount makes a Super account when AccountType is not given. */
export const POLARDB_ACCOUNT_TYPES = ["Normal", "Super"] as const;

/**
 * The privileges GrantAccountPrivilege takes (PolarDB for MySQL only): RDS
 * MySQL's four, each the same schema-level grants, and ReadIndex, read-only
 * plus INDEX (its exact grants are UNCONFIRMED).
 */
export const POLARDB_MYSQL_PRIVILEGE_GRANTS = {
  ...MYSQL_PRIVILEGE_GRANTS,
  ReadIndex: ["SELECT", "LOCK TABLES", "SHOW VIEW", "INDEX"],
} as const satisfies Readonly<Record<string, readonly string[]>>;
export type PolarDbAccountPrivilege = keyof typeof POLARDB_MYSQL_PRIVILEGE_GRANTS;
export const POLARDB_ACCOUNT_PRIVILEGES = Object.keys(
  POLARDB_MYSQL_PRIVILEGE_GRANTS,
) as PolarDbAccountPrivilege[];

/** Cluster ids: `pc-` and lower-case letters and digits (e.g. `pc-bp1xxxxxxxxxxxxx`). */
const CLUSTER_ID = /^pc-[a-z0-9]{1,61}$/;

/** 2 to 16 characters: a lower-case letter first, a letter or digit last, lower-case letters, digits and `_`. */
const ACCOUNT_NAME = /^[a-z][a-z0-9_]{0,14}[a-z0-9]$/;

/** Names PolarDB keeps for itself (root and admin, as its reference names them, and the servers' own). */
const RESERVED_ACCOUNT_NAMES = new Set([
  "root",
  "admin",
  "mysql",
  "sys",
  "information_schema",
  "performance_schema",
]);

/** Names a PostgreSQL cluster keeps besides: its bootstrap superuser and the PUBLIC pseudo-role. */
const RESERVED_POSTGRES_ACCOUNT_NAMES = new Set(["postgres", "public"]);

export const polardbErrors = {
  clusterIdMalformed: () =>
    new CloudApiError(
      404,
      "InvalidDBClusterId.Malformed",
      "The specified parameter DBClusterId is not valid.",
    ),
  clusterNotFound: (id: string) =>
    new CloudApiError(
      404,
      "InvalidDBCluster.NotFound",
      `The DBClusterId provided does not exist in our records: ${id}.`,
    ),
  accountNameMalformed: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Malformed",
      `The specified parameter AccountName is not valid: ${why}.`,
    ),
  accountDuplicate: (name: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Duplicate",
      `The specified account name already exists: ${name}.`,
    ),
  /** UNCONFIRMED code. */
  accountNotFound: (name: string) =>
    new CloudApiError(
      404,
      "InvalidAccountName.NotFound",
      `The specified account does not exist: ${name}.`,
    ),
  passwordMalformed: (why: string) =>
    // Says which rule failed, never the password.
    new CloudApiError(
      400,
      "InvalidAccountPassword.Malformed",
      `The specified parameter AccountPassword is not valid: ${why}.`,
    ),
  descriptionMalformed: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountDescription.Malformed",
      `The specified parameter AccountDescription is not valid: ${why}.`,
    ),
  /** UNCONFIRMED code. */
  databaseNotFound: (name: string) =>
    new CloudApiError(
      404,
      "InvalidDBName.NotFound",
      `The specified database does not exist: ${name}.`,
    ),
  /** UNCONFIRMED code. */
  databaseNameMalformed: (name: string) =>
    new CloudApiError(
      400,
      "InvalidDBName.Malformed",
      `The specified parameter DBName is not valid: ${name}.`,
    ),
  /** UNCONFIRMED code. */
  privilegeMalformed: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountPrivilege.Malformed",
      `The specified parameter AccountPrivilege is not valid: ${why}.`,
    ),
  /** UNCONFIRMED code. */
  superAccountPrivilege: (name: string) =>
    new CloudApiError(
      400,
      "InvalidAccountType.Malformed",
      `The account ${name} is a Super account: it holds every privilege already.`,
    ),
  /** UNCONFIRMED code: a PolarDB for MySQL cluster has one privileged account. */
  superAccountExists: () =>
    new CloudApiError(
      400,
      "OperationDenied.PrivilegedAccountExists",
      "A PolarDB for MySQL cluster has one privileged (Super) account, and it exists already.",
    ),
  /** UNCONFIRMED code: database privileges are granted on PolarDB for MySQL clusters only. */
  postgresPrivilege: (parameter: string) =>
    new CloudApiError(
      400,
      "OperationDenied.DBType",
      `${parameter} applies to standard accounts of PolarDB for MySQL clusters only.`,
    ),
  /** UNCONFIRMED code. */
  accountOwnsObjects: (name: string) =>
    new CloudApiError(
      400,
      "OperationDenied.AccountOwnsObjects",
      `The account ${name} still owns database objects: give them another owner first.`,
    ),
  internal: () =>
    new CloudApiError(
      500,
      "InternalError",
      "The request processing has failed due to some unknown error.",
    ),
} satisfies AccountStoreErrors & Record<string, (...args: never[]) => CloudApiError>;

/** Throws InvalidDBClusterId.Malformed unless the id is in PolarDB's shape. */
export function checkClusterId(id: string): void {
  if (!CLUSTER_ID.test(id)) throw polardbErrors.clusterIdMalformed();
}

/** Throws InvalidAccountName.Malformed unless PolarDB would take the name on this cluster. */
export function checkAccountName(cluster: LocalPolarDbCluster, name: string): void {
  if (!ACCOUNT_NAME.test(name)) {
    throw polardbErrors.accountNameMalformed(
      "use 2 to 16 lower-case letters, digits and underscores, from a letter to a letter or digit",
    );
  }
  if (RESERVED_ACCOUNT_NAMES.has(name) || name === cluster.adminUser) {
    throw polardbErrors.accountNameMalformed("the name is reserved");
  }
  if (cluster.engine === "PostgreSQL") {
    if (RESERVED_POSTGRES_ACCOUNT_NAMES.has(name)) {
      throw polardbErrors.accountNameMalformed("the name is reserved");
    }
    if (name.startsWith("pg_")) {
      throw polardbErrors.accountNameMalformed("names starting with pg_ are reserved");
    }
  }
}

/** Throws InvalidAccountPassword.Malformed unless the password keeps the shared rule. */
export function checkAccountPassword(password: string): void {
  const problem = accountPasswordProblem(password);
  if (problem !== undefined) throw polardbErrors.passwordMalformed(problem);
}

/** Descriptions: 2 to 256 characters, not starting with `http://` or `https://`. */
export function checkAccountDescription(description: string): void {
  if (description.length < 2 || description.length > 256) {
    throw polardbErrors.descriptionMalformed("use 2 to 256 characters");
  }
  if (/^https?:\/\//i.test(description)) {
    throw polardbErrors.descriptionMalformed("it may not start with http:// or https://");
  }
}

/** Database names: lower-case letters, digits, `_` and `-`, from a letter to a letter or digit, 64 at most. */
export function checkDatabaseName(name: string): void {
  if (!/^[a-z][a-z0-9_-]{0,62}[a-z0-9]$/.test(name))
    throw polardbErrors.databaseNameMalformed(name);
}

export function isPolarDbPrivilege(value: string): value is PolarDbAccountPrivilege {
  return (POLARDB_ACCOUNT_PRIVILEGES as string[]).includes(value);
}

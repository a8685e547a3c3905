/**
 * RDS's rules for account names, passwords, database names and privilege
 * names (API 2014-08-15), and the error codes RDS answers when a request
 * breaks them. Checked before the server behind the instance is touched, so
 * a refused request changes nothing.
 */
import { accountPasswordProblem } from "../account-password-rules.ts";
import { CloudApiError } from "../api-error.ts";
import type { LocalRdsInstance } from "./local-rds-instance.ts";

/** The privileges GrantAccountPrivilege takes for MySQL-family instances. */
export const RDS_ACCOUNT_PRIVILEGES = ["ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"] as const;
export type RdsAccountPrivilege = (typeof RDS_ACCOUNT_PRIVILEGES)[number];

/** The one privilege GrantAccountPrivilege takes for PostgreSQL instances (on cloud disks). */
export const RDS_POSTGRES_ACCOUNT_PRIVILEGES = ["DBOwner"] as const;
export type RdsPostgresAccountPrivilege = (typeof RDS_POSTGRES_ACCOUNT_PRIVILEGES)[number];

/** The privilege names the instance's engine takes. */
export function accountPrivilegesFor(instance: LocalRdsInstance): readonly string[] {
  return instance.engine === "PostgreSQL"
    ? RDS_POSTGRES_ACCOUNT_PRIVILEGES
    : RDS_ACCOUNT_PRIVILEGES;
}

export const RDS_ACCOUNT_TYPES = ["Normal", "Super"] as const;
export type RdsAccountType = (typeof RDS_ACCOUNT_TYPES)[number];

/** Names RDS keeps for itself. */
const RESERVED_ACCOUNT_NAMES = new Set([
  "root",
  "admin",
  "mysql",
  "sys",
  "information_schema",
  "performance_schema",
]);

/** Names a PostgreSQL instance keeps besides: its bootstrap superuser and the PUBLIC pseudo-role. */
const RESERVED_POSTGRES_ACCOUNT_NAMES = new Set(["postgres", "public"]);

export const rdsErrors = {
  instanceNotFound: (id: string) =>
    new CloudApiError(
      404,
      "InvalidDBInstanceId.NotFound",
      `The specified instance is not found: ${id}.`,
    ),
  accountNotFound: (name: string) =>
    new CloudApiError(
      404,
      "InvalidAccountName.NotFound",
      `The specified account does not exist: ${name}.`,
    ),
  accountDuplicate: (name: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Duplicate",
      `The specified account name already exists: ${name}.`,
    ),
  accountNameMalformed: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Malformed",
      `The specified parameter AccountName is not valid: ${why}.`,
    ),
  passwordMalformed: (why: string) =>
    // Says which rule failed, never the password.
    new CloudApiError(
      400,
      "InvalidAccountPassword.Malformed",
      `The specified parameter AccountPassword is not valid: ${why}.`,
    ),
  databaseNotFound: (name: string) =>
    new CloudApiError(
      404,
      "InvalidDBName.NotFound",
      `Specified DB name does not exist or DB status does not support: ${name}.`,
    ),
  privilegeMalformed: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountPrivilege.Malformed",
      `The specified parameter AccountPrivilege is not valid: ${why}.`,
    ),
  superAccountPrivilege: (name: string) =>
    new CloudApiError(
      400,
      "InvalidAccountType.Malformed",
      `The account ${name} is a Super account: it holds every privilege already.`,
    ),
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
};

/** Longest account name per engine (RDS MySQL 5.7/8.0: 32, RDS MariaDB: 16, RDS PostgreSQL on cloud disks: 63). */
export function maxAccountNameLength(instance: LocalRdsInstance): number {
  if (instance.engine === "PostgreSQL") return 63;
  return instance.engine === "MariaDB" ? 16 : 32;
}

/** Throws InvalidAccountName.Malformed unless RDS would take the name on this instance. */
export function checkAccountName(instance: LocalRdsInstance, name: string): void {
  const max = maxAccountNameLength(instance);
  if (name.length < 2 || name.length > max) {
    throw rdsErrors.accountNameMalformed(`must be 2 to ${max} characters long`);
  }
  // Upper-case letters: MySQL only; MariaDB and PostgreSQL names are lower case.
  const pattern =
    instance.engine === "MySQL"
      ? /^[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]$/
      : /^[a-z][a-z0-9_]*[a-z0-9]$/;
  if (!pattern.test(name)) {
    throw rdsErrors.accountNameMalformed(
      "must start with a letter, end with a letter or digit, and hold only letters, digits and underscores",
    );
  }
  if (RESERVED_ACCOUNT_NAMES.has(name.toLowerCase()) || name === instance.adminUser) {
    throw rdsErrors.accountNameMalformed("the name is reserved");
  }
  if (instance.engine === "PostgreSQL") {
    if (RESERVED_POSTGRES_ACCOUNT_NAMES.has(name)) {
      throw rdsErrors.accountNameMalformed("the name is reserved");
    }
    // PostgreSQL keeps every role name starting with pg_ for its own roles.
    if (name.startsWith("pg_")) {
      throw rdsErrors.accountNameMalformed("names starting with pg_ are reserved");
    }
  }
}

/**
 * Throws InvalidAccountPassword.Malformed unless the password keeps the
 * rule Alibaba's database products share (account-password-rules.ts).
 */
export function checkAccountPassword(password: string): void {
  const problem = accountPasswordProblem(password);
  if (problem !== undefined) throw rdsErrors.passwordMalformed(problem);
}

/** RDS database names: 2 to 64 lower-case letters, digits, `_` or `-`, from a letter to a letter or digit. */
export function checkDatabaseName(name: string): void {
  if (!/^[a-z][a-z0-9_-]{0,62}[a-z0-9]$/.test(name)) {
    throw new CloudApiError(
      400,
      "InvalidDBName.Malformed",
      `The specified parameter DBName is not valid: ${name}.`,
    );
  }
}

/**
 * The rules of ApsaraDB for Redis/Tair accounts (R-kvstore API 2015-01-01)
 * and the error codes it answers when a request breaks them. Checked before
 * the server behind the instance is touched, so a refused request changes
 * nothing.
 *
 * Codes and texts from Alibaba's API reference (CreateAccount,
 * ResetAccountPassword, ModifyAccountDescription); the ones marked
 * UNCONFIRMED are not listed there and are this product's best guess.
 */
import { accountPasswordProblem } from "../account-password-rules.ts";
import { CloudApiError } from "../api-error.ts";

/** The privileges an account may hold; RoleReadWrite is CreateAccount's default. */
export const KVSTORE_ACCOUNT_PRIVILEGES = ["RoleReadOnly", "RoleReadWrite", "RoleRepl"] as const;
export type KvstoreAccountPrivilege = (typeof KVSTORE_ACCOUNT_PRIVILEGES)[number];

/** The one account type CreateAccount takes. */
export const KVSTORE_ACCOUNT_TYPES = ["Normal"] as const;

/**
 * Account names: a lower-case letter, then lower-case letters, digits and
 * `_`, 1 to 16 characters in all. (Newer API references allow up to 100
 * characters; the local cloud keeps the stricter limit older instances
 * have, so a name it takes is taken everywhere.)
 */
const ACCOUNT_NAME = /^[a-z][a-z0-9_]{0,15}$/;

/** Redis's own user, which every server has and no account may replace. */
const RESERVED_ACCOUNT_NAMES = new Set(["default"]);

/** Descriptions: 2 to 256 characters from a letter (or CJK character), of letters, digits, `_` and `-`. */
const DESCRIPTION = /^[\p{L}][\p{L}\p{N}_-]{1,255}$/u;

export const kvstoreErrors = {
  instanceNotFound: (id: string) =>
    new CloudApiError(
      404,
      "InvalidInstanceId.NotFound",
      `The specified instance is not found: ${id}.`,
    ),
  accountNameFormat: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Format",
      `Specified AccountName is not valid: ${why}.`,
    ),
  accountDuplicate: (name: string) =>
    new CloudApiError(
      400,
      "InvalidAccountName.Duplicate",
      `Specified AccountName already exists in this instance: ${name}.`,
    ),
  /** UNCONFIRMED code. */
  accountNotFound: (name: string) =>
    new CloudApiError(
      404,
      "InvalidAccountName.NotFound",
      `The specified account does not exist: ${name}.`,
    ),
  passwordFormat: (parameter: string, why: string) =>
    // Says which rule failed, never the password.
    new CloudApiError(
      400,
      "InvalidAccountPassword.Format",
      `Specified ${parameter} is not valid: ${why}.`,
    ),
  /** UNCONFIRMED code: ModifyAccountPassword's OldAccountPassword is not the account's password. */
  oldPasswordMismatch: () =>
    new CloudApiError(
      400,
      "InvalidAccountPassword.Mismatch",
      "Specified OldAccountPassword is not the account's current password.",
    ),
  descriptionFormat: (why: string) =>
    new CloudApiError(
      400,
      "InvalidAccountDescription.Format",
      `Specified AccountDescription is not valid: ${why}.`,
    ),
  /** UNCONFIRMED code. */
  privilegeFormat: () =>
    new CloudApiError(
      400,
      "InvalidAccountPrivilege.Format",
      `Specified AccountPrivilege is not valid: use one of ${KVSTORE_ACCOUNT_PRIVILEGES.join(", ")}.`,
    ),
  internal: () =>
    new CloudApiError(
      500,
      "InternalError",
      "The request processing has failed due to some unknown error.",
    ),
};

/** Throws InvalidAccountName.Format unless Tair would take the name on an instance administered by `adminUser`. */
export function checkAccountName(name: string, adminUser?: string): void {
  if (!ACCOUNT_NAME.test(name)) {
    throw kvstoreErrors.accountNameFormat(
      "use 1 to 16 lower-case letters, digits and underscores, starting with a letter",
    );
  }
  if (RESERVED_ACCOUNT_NAMES.has(name) || name === adminUser) {
    throw kvstoreErrors.accountNameFormat("the name is reserved");
  }
}

/** Throws InvalidAccountPassword.Format unless the password keeps the shared rule. */
export function checkAccountPassword(parameter: string, password: string): void {
  const problem = accountPasswordProblem(password);
  if (problem !== undefined) throw kvstoreErrors.passwordFormat(parameter, problem);
}

/** Throws InvalidAccountDescription.Format unless Tair would take the description. */
export function checkAccountDescription(description: string): void {
  if (/^https?:\/\//i.test(description)) {
    throw kvstoreErrors.descriptionFormat("it may not start with http:// or https://");
  }
  if (!DESCRIPTION.test(description)) {
    throw kvstoreErrors.descriptionFormat(
      "use 2 to 256 letters, digits, underscores and hyphens, starting with a letter",
    );
  }
}

export function isKvstorePrivilege(value: string): value is KvstoreAccountPrivilege {
  return (KVSTORE_ACCOUNT_PRIVILEGES as readonly string[]).includes(value);
}

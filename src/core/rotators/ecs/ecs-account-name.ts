/**
 * Which Linux account names a rotation accepts. Names travel to the server
 * inside chpasswd's input and on runuser's command line, so anything that a
 * shell or chpasswd could read as syntax (spaces, quotes, `:`, `$(`, newlines)
 * is refused up front rather than escaped.
 */
import { ValidationError } from "@rotor/cloud-api";

/** The portable POSIX user name set useradd itself accepts by default. */
const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export function parseAccountName(value: unknown, field: string): string {
  if (typeof value !== "string" || !ACCOUNT_NAME.test(value)) {
    throw new ValidationError(
      `${field} must be a Linux user name: 1 to 32 letters, digits, "_", "." or "-", not starting with a digit, "." or "-"`,
    );
  }
  return value;
}

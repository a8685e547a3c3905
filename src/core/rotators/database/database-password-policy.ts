/**
 * Passwords a database and every driver accept as they are. Excluded on
 * purpose: `/ @ : ? # % & = +` (they break DSNs and URLs), quotes, backslash,
 * semicolon, backtick, `$` (shells and SQL), and spaces. What is left still
 * gives about 6 bits a character, so 32 characters carry ~190 bits.
 */
import {
  type GeneratedPasswordPolicy,
  generatePassword,
} from "../../contract/generated-password.ts";
import type { DatabaseEngineName } from "./database-secret-value.ts";

export type DatabasePasswordPolicy = GeneratedPasswordPolicy;

const LOWER = "abcdefghijkmnopqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
const PUNCTUATION = "-_.~!*^";

/**
 * Per engine. MySQL: 32 characters, the longest a replication or
 * `mysql_native_password` client is guaranteed to take. PostgreSQL: no
 * practical limit; 40 characters.
 */
export const DATABASE_PASSWORD_POLICIES: Record<DatabaseEngineName, DatabasePasswordPolicy> = {
  mysql: { length: 32, groups: [LOWER, UPPER, DIGITS, PUNCTUATION] },
  postgres: { length: 40, groups: [LOWER, UPPER, DIGITS, PUNCTUATION] },
};

/** A random password following the policy, from the operating system's CSPRNG (generated-password.ts). */
export function generateDatabasePassword(policy: DatabasePasswordPolicy): string {
  return generatePassword(policy);
}

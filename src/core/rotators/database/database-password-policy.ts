/**
 * Passwords a database and every driver accept as they are. Excluded on
 * purpose: `/ @ : ? # % & = +` (they break DSNs and URLs), quotes, backslash,
 * semicolon, backtick, `$` (shells and SQL), and spaces. What is left still
 * gives about 6 bits a character, so 32 characters carry ~190 bits.
 */
import { randomInt } from "node:crypto";
import type { DatabaseEngineName } from "./database-secret-value.ts";

export interface DatabasePasswordPolicy {
  length: number;
  /** Every generated password has at least one character of each group. */
  groups: readonly string[];
}

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

/** A random password following the policy, from the operating system's CSPRNG. */
export function generateDatabasePassword(policy: DatabasePasswordPolicy): string {
  const all = policy.groups.join("");
  const characters: string[] = policy.groups.map((group) => pick(group));
  while (characters.length < policy.length) characters.push(pick(all));
  // Shuffle so the guaranteed characters are not always first (Fisher-Yates).
  for (let i = characters.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [characters[i], characters[j]] = [characters[j] as string, characters[i] as string];
  }
  return characters.join("");
}

function pick(group: string): string {
  return group.charAt(randomInt(group.length));
}

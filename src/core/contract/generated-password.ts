/**
 * Passwords a rotator draws itself, for targets whose rules KMS
 * GetRandomPassword cannot follow (a character set safe in DSNs, URLs and
 * shells, a length the target caps): a length and groups of characters,
 * at least one of each group in every password, from the operating
 * system's CSPRNG. Each rotator family names its own policies (database,
 * Redis); this is what they share.
 */
import { randomInt } from "node:crypto";

export interface GeneratedPasswordPolicy {
  length: number;
  /** Every generated password has at least one character of each group. */
  groups: readonly string[];
}

/** A random password following the policy. */
export function generatePassword(policy: GeneratedPasswordPolicy): string {
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

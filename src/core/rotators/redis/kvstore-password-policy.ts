/**
 * Passwords for accounts on an ApsaraDB for Redis/Tair instance. Tair takes
 * 8 to 32 characters with at least three of upper case, lower case, digits
 * and its specials `!@#$%^&*()_+-=`. Of those specials only `- _ ! * ^` are
 * used: `@ # $ % & + =` and parentheses break URLs, connection strings or
 * shells. Every generated password has all four kinds, so it passes
 * Tair's rule with room to spare.
 */
import type { GeneratedPasswordPolicy } from "../../contract/generated-password.ts";

export const KVSTORE_PASSWORD_POLICY: GeneratedPasswordPolicy = {
  length: 32,
  groups: ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_!*^"],
};

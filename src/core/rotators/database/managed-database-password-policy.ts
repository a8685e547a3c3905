/**
 * Passwords for accounts on a managed database: RDS and PolarDB share one
 * rule, 8 to 32 characters with at least three of upper-case, lower-case,
 * digits and the specials `!@#$%^&*()_+-=`. Of those specials only
 * `- _ ! * ^` are used: `@ # $ % & + =` and parentheses break DSNs, URLs or
 * shells. Every generated password has all four kinds, so it passes the
 * rule with room to spare.
 */
import type { DatabasePasswordPolicy } from "./database-password-policy.ts";

export const MANAGED_DATABASE_PASSWORD_POLICY: DatabasePasswordPolicy = {
  length: 32,
  groups: ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_!*^"],
};

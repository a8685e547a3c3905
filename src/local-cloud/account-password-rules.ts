/**
 * The password rule Alibaba's database products share for their accounts
 * (RDS, PolarDB, ApsaraDB for Redis/Tair): 8 to 32 characters of letters,
 * digits and `!@#$%^&*()_+-=`, with at least three of upper-case letters,
 * lower-case letters, digits and those special characters. Each product
 * answers a broken rule with its own error code; the reason it gives names
 * the rule, never the password.
 */

/** The special characters an account password may hold. */
export const ACCOUNT_PASSWORD_SPECIALS = "!@#$%^&*()_+-=";

/** Which rule the password breaks, in words for an error message, or undefined when it is fine. */
export function accountPasswordProblem(password: string): string | undefined {
  if (password.length < 8 || password.length > 32) return "must be 8 to 32 characters long";
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/];
  let present = kinds.filter((kind) => kind.test(password)).length;
  let hasSpecial = false;
  for (const character of password) {
    if (ACCOUNT_PASSWORD_SPECIALS.includes(character)) hasSpecial = true;
    else if (!/[A-Za-z0-9]/.test(character)) {
      return `may hold only letters, digits and the special characters ${ACCOUNT_PASSWORD_SPECIALS}`;
    }
  }
  if (hasSpecial) present++;
  if (present < 3) {
    return "must hold at least three of: upper-case letters, lower-case letters, digits, special characters";
  }
  return undefined;
}

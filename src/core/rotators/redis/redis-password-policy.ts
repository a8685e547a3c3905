/**
 * Passwords for users of a self-managed Redis server. Redis takes any
 * bytes; the characters are those safe in `redis://` URLs, connection
 * strings and shells (letters, digits and `-_.~!*^`: no `/ @ : ? # % & =
 * +`, quotes, backslash, `$` or spaces), 40 of them (about 240 bits), at
 * least one of each group. ApsaraDB instances have rules of their own:
 * kvstore-password-policy.ts.
 */
import type { GeneratedPasswordPolicy } from "../../contract/generated-password.ts";

export const REDIS_PASSWORD_POLICY: GeneratedPasswordPolicy = {
  length: 40,
  groups: ["abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.~!*^"],
};

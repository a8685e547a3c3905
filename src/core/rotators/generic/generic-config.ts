/**
 * The generic rotator's settings, from the secret's `rotor:` tags (prefix
 * removed). Tag values are strings; this schema turns them into numbers and
 * booleans and names the tag in every error. See docs/tags.md.
 */
import { z } from "zod";

/**
 * Safe in connection strings, URLs and shells: GetRandomPassword may use
 * only `-_.+^` of the punctuation. No space, no `/@"'\`, no `$` or backtick.
 */
export const DEFAULT_EXCLUDED_CHARACTERS = " !\"#$%&'()*,/:;<=>?@[\\]`{|}~";

const flag = z.enum(["true", "false"]).transform((text) => text === "true");
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const genericConfigSchema = z.object({
  /** The JSON field that gets the new value; default AccountPassword when the value has it. */
  field: z.string().min(1).max(128).optional(),
  /** password: KMS GetRandomPassword; base64 / hex: random bytes. */
  generator: z.enum(["password", "base64", "hex"]).default("password"),
  /** Characters of a password, or bytes of base64/hex output. */
  length: whole(8, 128).optional(),
  "exclude-characters": z.string().max(128).optional(),
  "exclude-lowercase": flag.optional(),
  "exclude-uppercase": flag.optional(),
  "exclude-numbers": flag.optional(),
  "exclude-punctuation": flag.optional(),
  "require-each-type": flag.default(true),
  /** Where to apply and test the new value: an origin ROTOR_WEBHOOK_ORIGINS allows (webhook-target.ts). */
  "webhook-url": z.url().optional(),
  /** The KMS secret holding the webhook's HMAC-SHA256 key, within ROTOR_MASTER_SECRET_PREFIXES. */
  "webhook-key-secret": z.string().min(1).max(192).optional(),
  /** No effect any more: plain http needs an http origin listed in ROTOR_WEBHOOK_ORIGINS. Still parsed so old tags stay valid. */
  "webhook-allow-http": flag.default(false),
  "webhook-attempts": whole(1, 5).default(3),
  "webhook-timeout-seconds": whole(1, 60).default(10),
});

export type GenericConfig = z.infer<typeof genericConfigSchema>;

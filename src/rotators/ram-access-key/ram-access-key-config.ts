/**
 * The RAM AccessKey rotator's settings, from the secret's `rotor:` tags
 * (prefix removed). See docs/tags.md.
 *
 * - `grace-period`: how long the previous key stays Active after a
 *   rotation. `next-rotation` (the default) keeps it until the next
 *   rotation needs its slot; a duration (`12h`, `7d`) makes that next
 *   rotation wait until the duration has passed since the current key was
 *   made, so applications that cache the old key get at least that long.
 * - `orphan-min-age`: a key no version of the secret names is deleted as an
 *   orphan (left by a crash between CreateAccessKey and storing the pending
 *   version) only once it is this old, so a rotation running at the same
 *   moment never loses the key it is about to store. Default `5m`.
 */
import { z } from "zod";

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const MAX_DURATION_MS = 365 * UNIT_MS.d;

/** `90s`, `5m`, `12h`, `7d`, `2w`: from one second to 365 days. */
const duration = z.string().transform((text, ctx) => {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (ms > 0 && ms <= MAX_DURATION_MS) return ms;
  ctx.addIssue({
    code: "custom",
    message: `expected a duration from 1s to 365d such as "12h" or "7d", got ${JSON.stringify(text)}`,
  });
  return z.NEVER;
});

export const ramAccessKeyConfigSchema = z.object({
  "grace-period": z
    .union([z.literal("next-rotation"), duration])
    .default("next-rotation")
    .transform((value) => (value === "next-rotation" ? ("next-rotation" as const) : value)),
  "orphan-min-age": duration.default(5 * 60 * 1000),
});

export type RamAccessKeyConfig = z.infer<typeof ramAccessKeyConfigSchema>;

/**
 * The RAM AccessKey rotator's settings, from the secret's `rotor:` tags
 * (prefix removed). See docs/tags.md.
 *
 * - `grace-period`: how long the previous key stays Active after a
 *   rotation. `next-rotation` (the default) keeps it until the next
 *   rotation needs its slot; a duration (`12h`, `7d`) makes that next
 *   rotation wait until the duration has passed since the current key was
 *   made, so applications that cache the old key get at least that long,
 *   and once it has passed the scheduler has the key set Inactive (see
 *   src/core/contract/tags/grace-period.ts); the next rotation deletes it.
 * - `orphan-min-age`: a key no version of the secret names is deleted as an
 *   orphan (left by a crash between CreateAccessKey and storing the pending
 *   version) only once it is this old, so a rotation running at the same
 *   moment never loses the key it is about to store. Default `5m`.
 */
import { z } from "zod";
import { gracePeriodTagSchema, parseDuration } from "../../contract/tags/grace-period.ts";

/** `90s`, `5m`, `12h`, `7d`, `2w`: from one second to 365 days. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (typeof ms === "number") return ms;
  ctx.addIssue({ code: "custom", message: `expected ${ms.error}` });
  return z.NEVER;
});

export const ramAccessKeyConfigSchema = z.object({
  // Read through the vocabulary's schema, as the scheduler and the engine read it.
  "grace-period": gracePeriodTagSchema.default("next-rotation"),
  "orphan-min-age": duration.default(5 * 60 * 1000),
});

export type RamAccessKeyConfig = z.infer<typeof ramAccessKeyConfigSchema>;

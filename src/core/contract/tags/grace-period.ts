/**
 * The previous value's grace period, read from the secret's tags:
 *
 * | tag                  | example                  | meaning                                        |
 * | -------------------- | ------------------------ | ---------------------------------------------- |
 * | `rotor:grace-period` | `next-rotation`, `7d`    | how long ACSPrevious stays usable after a rotation |
 * | `rotor:grace-ended`  | (written by Rotor)       | the ACSPrevious version whose grace has been ended |
 *
 * `next-rotation` keeps the previous value usable until the next rotation
 * replaces it. A duration (1s to 365d) counts from the rotation that made
 * ACSCurrent: once it has passed, the scheduler asks the secret's function
 * to end the grace period (`{"SecretName", "EndGracePeriod": true}`), and
 * a rotator that supports it (the RAM AccessKey rotator sets the previous
 * key Inactive) does so. The engine then records the version in
 * `rotor:grace-ended`, so later scheduler runs leave that version alone.
 *
 * One parser serves the scheduler and the rotators, so both read the tag
 * the same way.
 */

import { parsedText, writtenByRotor } from "./tag-value.ts";

export const GRACE_PERIOD_TAG = "rotor:grace-period";
export const GRACE_ENDED_TAG = "rotor:grace-ended";

export type GracePeriod = "next-rotation" | number;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const MAX_GRACE_MS = 365 * UNIT_MS.d;

/** `next-rotation`, or milliseconds from `90s`, `5m`, `12h`, `7d`, `2w` (1s to 365d). */
export function parseGracePeriod(text: string): GracePeriod | { error: string } {
  if (text.trim() === "next-rotation") return "next-rotation";
  const ms = parseDuration(text);
  return typeof ms === "number" ? ms : { error: `expected next-rotation or ${ms.error}` };
}

/** A duration from one second to 365 days, or in `error` what was expected (to follow "expected"). */
export function parseDuration(text: string): number | { error: string } {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (ms > 0 && ms <= MAX_GRACE_MS) return ms;
  return { error: `a duration from 1s to 365d such as "12h" or "7d", got ${JSON.stringify(text)}` };
}

/** `rotor:grace-period`: `next-rotation`, or the grace in ms. */
export const gracePeriodTagSchema = parsedText(parseGracePeriod);
/** `rotor:grace-ended`: the ACSPrevious version id whose grace Rotor ended. */
export const graceEndedTagSchema = writtenByRotor;

/** What the scheduler knows of a secret's grace period, from its tags and versions only. */
export interface GraceState {
  /** The ACSPrevious version the grace period protects. */
  previousVersionId: string;
  /** Epoch ms at which the grace period ends. */
  endsAt: number;
  /** True once Rotor has ended it (the `rotor:grace-ended` tag names this version). */
  ended: boolean;
}

/**
 * The grace state of a secret, or undefined when there is nothing to end:
 * no duration set (or an invalid one, which the rotator itself reports at
 * its next rotation), or no ACSPrevious version. `rotatedAt` is when the
 * ACSCurrent version was created. A duration shorter than the deployment's
 * floor (ROTOR_MIN_GRACE_PERIOD) ends at the floor, as the engine enforces.
 */
export function readGraceState(
  tags: Readonly<Record<string, string>>,
  previousVersionId: string | undefined,
  rotatedAt: number | undefined,
  /** ROTOR_MIN_GRACE_PERIOD: a shorter tag ends no sooner than this. */
  minGraceMs = 0,
): GraceState | undefined {
  const text = tags[GRACE_PERIOD_TAG];
  if (text === undefined || previousVersionId === undefined || rotatedAt === undefined) {
    return undefined;
  }
  const grace = parseGracePeriod(text);
  if (typeof grace !== "number") return undefined;
  return {
    previousVersionId,
    endsAt: rotatedAt + Math.max(grace, minGraceMs),
    ended: tags[GRACE_ENDED_TAG] === previousVersionId,
  };
}

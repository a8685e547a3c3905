/**
 * Whether a secret is due for rotation now, and when it next will be.
 *
 * - Interval only: due once `interval` has passed since the last rotation.
 * - Schedule only: due inside a window (an occurrence of the cron plus the
 *   window length) in which it has not rotated yet.
 * - Both: due inside a window once `interval` has passed, e.g. "every 30
 *   days, between 02:00 and 04:00".
 * - Neither, or disabled: never due on schedule (manual and emergency
 *   rotations still work).
 *
 * The last rotation is the ACSCurrent version's CreateTime.
 */

import type { RotationPolicy } from "../tags/rotation-policy.ts";
import { nextOccurrence, previousOccurrence } from "./cron.ts";

export interface DueVerdict {
  due: boolean;
  /** When the next scheduled rotation is (now, when due); undefined when never. */
  nextRotation: number | undefined;
  reason: string;
}

export function dueVerdict(policy: RotationPolicy, lastRotation: number, now: number): DueVerdict {
  if (!policy.enabled)
    return { due: false, nextRotation: undefined, reason: "scheduled rotation disabled" };
  const { schedule, intervalMs } = policy;
  if (!schedule) {
    if (intervalMs === undefined)
      return { due: false, nextRotation: undefined, reason: "no schedule" };
    const next = lastRotation + intervalMs;
    return now >= next
      ? { due: true, nextRotation: now, reason: "interval elapsed" }
      : { due: false, nextRotation: next, reason: "interval not elapsed" };
  }
  const windowOpenedAt = previousOccurrence(schedule.cron, now, schedule.zone);
  const inWindow = windowOpenedAt !== undefined && now < windowOpenedAt + schedule.windowMs;
  const windowOpenAt = (instant: number): boolean => {
    const opened = previousOccurrence(schedule.cron, instant, schedule.zone);
    return opened !== undefined && instant < opened + schedule.windowMs;
  };
  if (intervalMs === undefined) {
    if (inWindow && lastRotation < (windowOpenedAt as number)) {
      return { due: true, nextRotation: now, reason: "window open" };
    }
    return {
      due: false,
      nextRotation: nextOccurrence(schedule.cron, now, schedule.zone),
      reason: inWindow ? "already rotated in this window" : "outside the window",
    };
  }
  const earliest = lastRotation + intervalMs;
  if (earliest <= now) {
    if (inWindow) return { due: true, nextRotation: now, reason: "interval elapsed, window open" };
    return {
      due: false,
      nextRotation: nextOccurrence(schedule.cron, now, schedule.zone),
      reason: "waiting for the window",
    };
  }
  const next = windowOpenAt(earliest)
    ? earliest
    : nextOccurrence(schedule.cron, earliest, schedule.zone);
  return { due: false, nextRotation: next, reason: "interval not elapsed" };
}

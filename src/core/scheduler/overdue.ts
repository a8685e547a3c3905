/**
 * When a secret is overdue: not merely due (the scheduler's next run will
 * rotate it), but past the chance its policy gave the scheduler, so a
 * rotation that should have happened did not.
 *
 * After a rotation the secret falls due at `dueAt`, and the first window
 * in which it is due ends at `overdueAt`:
 *
 * - Interval only: due when the interval has passed; the policy has no
 *   window, so it counts as one of the default length (1 hour: six runs
 *   of a scheduler on its 10-minute timer) opening then.
 * - Schedule only: the first window that opens after the rotation.
 * - Both: the window the interval ends in, or else the next one.
 * - Disabled, or neither: never due, never overdue.
 *
 * The same rule as dueVerdict (due.ts), told from the rotation forward.
 */
import { nextOccurrence, previousOccurrence } from "../contract/schedule/cron.ts";
import { DEFAULT_WINDOW_MS, type RotationPolicy } from "../contract/tags/rotation-policy.ts";

export interface DueWindow {
  /** Epoch ms from which the secret is due. */
  dueAt: number;
  /** Epoch ms from which it is overdue: the first window it was due in has closed. */
  overdueAt: number;
}

export function dueWindow(policy: RotationPolicy, lastRotation: number): DueWindow | undefined {
  if (!policy.enabled) return undefined;
  const { schedule, intervalMs } = policy;
  if (!schedule) {
    if (intervalMs === undefined) return undefined;
    const dueAt = lastRotation + intervalMs;
    return { dueAt, overdueAt: dueAt + DEFAULT_WINDOW_MS };
  }
  const windowFrom = (opened: number | undefined) =>
    opened === undefined ? undefined : { opened, closes: opened + schedule.windowMs };
  if (intervalMs === undefined) {
    const next = windowFrom(nextOccurrence(schedule.cron, lastRotation, schedule.zone));
    return next && { dueAt: next.opened, overdueAt: next.closes };
  }
  const earliest = lastRotation + intervalMs;
  const around = windowFrom(previousOccurrence(schedule.cron, earliest, schedule.zone));
  if (around && earliest < around.closes) return { dueAt: earliest, overdueAt: around.closes };
  const next = windowFrom(nextOccurrence(schedule.cron, earliest, schedule.zone));
  return next && { dueAt: next.opened, overdueAt: next.closes };
}

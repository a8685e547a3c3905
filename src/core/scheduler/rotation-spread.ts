/**
 * Spreads the due rotations of one scheduler run over their windows, so
 * that thousands due at once do not start at once: each invocation asks FC
 * to wait (`x-fc-async-delay`, 0 to 3,600 seconds) until its turn, turns
 * coming at `rotationsPerSecond`. A rotation's KMS calls then stay under
 * the account's quotas instead of being throttled and retried.
 *
 * The pace's default keeps a generic rotation's calls under 70% of each
 * KMS quota group (the level at which CloudMonitor warns), by the calls a
 * rotation makes in each group:
 *
 * | group (local cloud's preset) | quota | calls per rotation | rotations/s at 70% |
 * | ---------------------------- | ----- | ------------------ | ------------------ |
 * | secret-write (estimate)      | 30    | 5 (PutSecretValue, 3 UpdateSecretVersionStage, TagResource) | 4.2 |
 * | secret-list                  | 40    | 2 (DescribeSecret, ListSecretVersionIds) | 14 |
 * | random-password (estimate)   | 50    | 1                  | 35                 |
 * | secret-value                 | 450   | 1                  | 315                |
 *
 * so 4 rotations a second, 14,400 an hour. A turn never falls after the
 * secret's window closes (less a minute for the rotation itself): when
 * more are due than the window holds, the last ones start as the window
 * ends, and KMS's throttling (which every client retries) bounds them.
 * Emergencies never wait: they do not go through the scheduler, and a due
 * secret whose emergency revoke is still pending (`rotor:revoke-pending`,
 * left by an emergency cut short) and a grace period's end are sent
 * without a delay.
 */

import { REVOKE_PENDING_TAG } from "../contract/tags/engine-tags.ts";
import {
  DEFAULT_WINDOW_MS,
  isPolicyProblem,
  readRotationPolicy,
} from "../contract/tags/rotation-policy.ts";
import type { PlanEntry } from "./plan.ts";

/** FC's longest delay for an asynchronous invocation. */
export const MAX_ASYNC_DELAY_SECONDS = 3600;
export const DEFAULT_ROTATIONS_PER_SECOND = 4;
/** Left at a window's end for the rotation itself to run. */
const ROTATION_MARGIN_SECONDS = 60;

export class RotationSpread {
  private turns = 0;

  constructor(
    private readonly now: number,
    private readonly rotationsPerSecond: number = DEFAULT_ROTATIONS_PER_SECOND,
  ) {
    if (!(rotationsPerSecond > 0) || !Number.isFinite(rotationsPerSecond)) {
      throw new RangeError(`rotations per second must be above 0, got ${rotationsPerSecond}`);
    }
  }

  /**
   * Seconds the next due rotation should wait: its turn, within its window
   * and FC's limit. None for a secret whose emergency revoke is pending:
   * a leaked value is not left usable while others wait their turn.
   */
  delayFor(entry: PlanEntry): number {
    if (entry.tags[REVOKE_PENDING_TAG] !== undefined) return 0;
    const turn = Math.floor(this.turns / this.rotationsPerSecond);
    this.turns += 1;
    const windowLeft = Math.floor((windowEnd(entry, this.now) - this.now) / 1000);
    return Math.max(
      0,
      Math.min(turn, windowLeft - ROTATION_MARGIN_SECONDS, MAX_ASYNC_DELAY_SECONDS),
    );
  }
}

/**
 * When the window the secret is due in closes: a schedule's window, or for
 * an interval alone a window of the default length (1 hour) from now.
 */
function windowEnd(entry: PlanEntry, now: number): number {
  const policy = readRotationPolicy(entry.tags);
  if (!isPolicyProblem(policy) && policy.schedule && entry.windowStart !== undefined) {
    return entry.windowStart + policy.schedule.windowMs;
  }
  return now + DEFAULT_WINDOW_MS;
}

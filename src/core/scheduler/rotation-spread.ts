/**
 * Spreads the due rotations of one scheduler run over their windows, so
 * that thousands due at once do not start at once: each rotation gets a
 * turn, turns coming evenly at `rotationsPerSecond`, and its invocation
 * asks FC to wait until then. A rotation's KMS calls then stay under the
 * account's quotas instead of being throttled and retried.
 *
 * FC's delay (`x-fc-async-delay`) counts whole seconds, 0 to 3,600, from
 * the moment FC accepts the invocation. Whole seconds alone would start a
 * second's 4 rotations together and the next second's 4 together, and
 * since a rotation's five writes come over its first tenth of a second or
 * so, the end of one such bunch and the start of the next can fall in the
 * same second: up to twice the pace's writes, over the write quota. So the
 * turn's part of a second goes in the event (`StartAfterMs`, 0 to 999),
 * and the function waits that long before it starts. Both are worked out
 * as the invocation is sent, from the time left until its turn, so
 * however long the run takes to reach a secret, turns stay evenly spaced.
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
const ROTATION_MARGIN_MS = 60_000;

/** How an invocation reaches its turn: FC's whole seconds, then the function's own wait. */
export interface TurnTiming {
  /** x-fc-async-delay: 0 to 3,600. */
  delaySeconds: number;
  /** The event's StartAfterMs: 0 to 999. */
  startAfterMs: number;
}

export class RotationSpread {
  /** Where the spread's clock stood when the run began. */
  private readonly startedAt: number;
  /** The next free turn, on the spread's clock. */
  private nextTurnAt: number;
  private readonly turnGapMs: number;

  /**
   * @param now the run's time, against which windows are judged
   * @param clock a monotonic clock in milliseconds, read when turns are
   *   handed out and when invocations are sent (tests pass their own)
   */
  constructor(
    private readonly now: number,
    rotationsPerSecond: number = DEFAULT_ROTATIONS_PER_SECOND,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(rotationsPerSecond > 0) || !Number.isFinite(rotationsPerSecond)) {
      throw new RangeError(`rotations per second must be above 0, got ${rotationsPerSecond}`);
    }
    this.turnGapMs = 1000 / rotationsPerSecond;
    this.startedAt = clock();
    this.nextTurnAt = this.startedAt;
  }

  /**
   * When the next due rotation should start, on the spread's clock; none
   * (start at once) for a secret whose emergency revoke is pending: a
   * leaked value is not left usable while others wait their turn. A turn
   * is never earlier than the moment it is handed out, so a run that
   * reaches its due secrets slowly does not bunch them up to catch up.
   */
  turnFor(entry: PlanEntry): number | undefined {
    if (entry.tags[REVOKE_PENDING_TAG] !== undefined) return undefined;
    const turn = Math.max(this.nextTurnAt, this.clock());
    this.nextTurnAt = turn + this.turnGapMs;
    const latest =
      this.startedAt +
      Math.min(
        windowEnd(entry, this.now) - this.now - ROTATION_MARGIN_MS,
        MAX_ASYNC_DELAY_SECONDS * 1000,
      );
    return Math.max(this.startedAt, Math.min(turn, latest));
  }

  /** Read as the invocation is sent: the wait left until `turnAt`, split as FC and the function take it. */
  timingOf(turnAt: number): TurnTiming {
    const waitMs = Math.max(0, Math.round(turnAt - this.clock()));
    const delaySeconds = Math.min(MAX_ASYNC_DELAY_SECONDS, Math.floor(waitMs / 1000));
    const startAfterMs = delaySeconds === MAX_ASYNC_DELAY_SECONDS ? 0 : waitMs % 1000;
    return { delaySeconds, startAfterMs };
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

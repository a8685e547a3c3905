/**
 * A rate limit that admits at most `limit` calls in any window of
 * `windowMs`: the "QPS" of a quota taken literally, so no second of a burst
 * goes over it (a token bucket holding a second's worth would admit up to
 * twice the rate in the second its bucket is spent and refilled).
 *
 * It remembers the times of the last `limit` admitted calls in a ring: a
 * call is admitted when the oldest of them has left the window.
 */
export class SlidingWindowLimit {
  /** Calls admitted per window. */
  readonly limit: number;
  readonly windowMs: number;
  private readonly admittedAt: Float64Array;
  private count = 0;
  /** Index of the oldest admitted call once the ring is full. */
  private oldest = 0;

  /**
   * @param perSecond the rate; a fraction (0.2) admits one call per window of
   * 1/rate seconds, a rate such as 4.5 admits 5 calls per 1.11 s.
   */
  constructor(readonly perSecond: number) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
      throw new RangeError(
        `a rate limit must be a positive number of calls per second, got ${perSecond}`,
      );
    }
    this.limit = Math.max(1, Math.round(perSecond));
    this.windowMs = (this.limit / perSecond) * 1000;
    this.admittedAt = new Float64Array(this.limit);
  }

  /** Whether a call at `now` (ms) would be admitted, without taking its place. */
  wouldAdmit(now: number): boolean {
    if (this.count < this.limit) return true;
    return (this.admittedAt[this.oldest] as number) <= now - this.windowMs;
  }

  /** Records an admitted call; call only after `wouldAdmit(now)` said yes. */
  take(now: number): void {
    if (this.count < this.limit) {
      this.admittedAt[this.count] = now;
      this.count += 1;
      return;
    }
    this.admittedAt[this.oldest] = now;
    this.oldest = (this.oldest + 1) % this.limit;
  }
}

import { ApiError } from "@rotor/cloud-api";

/**
 * Keeps our own calls under a QPS budget, so a scheduler planning 10,000
 * secrets stays below KMS's and FC's quotas instead of leaning on their
 * throttling errors. Callers await `take()` before each call; tokens refill
 * continuously, with a burst of at most one second's worth.
 *
 * The budget a user gives may still be above what the account's quota
 * allows (quotas are shared with every other caller of the account). So the
 * rate adapts: `throttled()` halves it, and every call let through wins a
 * little of it back, so a sustained overload converges on what the service
 * accepts instead of burning each call's retries.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();
  /** The rate in force now: the budget, or less after throttling. */
  private rate: number;
  private readonly floor: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(perSecond > 0))
      throw new RangeError(`a rate must be above 0 per second, got ${perSecond}`);
    this.rate = perSecond;
    this.floor = Math.min(perSecond, Math.max(1, perSecond / 16));
    this.tokens = Math.min(perSecond, 1);
    this.updatedAt = clock();
  }

  /** Calls per second allowed at the moment. */
  get currentRate(): number {
    return this.rate;
  }

  /** Resolves when the caller may make one call. Calls are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  /** The service answered "throttled": halve the rate (down to a sixteenth of the budget). */
  throttled(): void {
    this.rate = Math.max(this.floor, this.rate / 2);
    this.tokens = Math.min(this.tokens, this.rate);
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        // Additive increase: a thousand calls let through restore the whole budget.
        this.rate = Math.min(this.perSecond, this.rate + this.perSecond / 1000);
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.rate) * 1000)),
      );
    }
  }
}

/** True when the service refused a call for exceeding its quota. */
export function isThrottling(error: unknown): boolean {
  return (
    error instanceof ApiError && (error.statusCode === 429 || error.code.includes("Throttling"))
  );
}

/**
 * Makes one call within the limiter's budget. If the service still throttles
 * it (after the client's own retries), the limiter slows down for everyone
 * and the call is tried again, up to `rounds` times in all; other errors are
 * thrown at once.
 */
export async function callWithinBudget<T>(
  limiter: RateLimiter,
  call: () => Promise<T>,
  rounds = 4,
): Promise<T> {
  for (let round = 1; ; round++) {
    await limiter.take();
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || round >= rounds) throw error;
      limiter.throttled();
    }
  }
}

/**
 * Runs `work` over `items` with at most `concurrency` at a time, keeping the
 * results in input order; `onProgress` hears each completion (for progress
 * bars on long runs).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  onProgress?: (done: number, total: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker),
  );
  return results;
}

/**
 * Keeps our own calls under a QPS budget, so a scheduler planning 10,000
 * secrets stays below KMS's and FC's quotas instead of leaning on their
 * throttling errors. Callers await `take()` before each call; tokens refill
 * continuously, with a burst of at most one second's worth.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(perSecond > 0))
      throw new RangeError(`a rate must be above 0 per second, got ${perSecond}`);
    this.tokens = Math.min(perSecond, 1);
    this.updatedAt = clock();
  }

  /** Resolves when the caller may make one call. Calls are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(
        this.perSecond,
        this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond,
      );
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)),
      );
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

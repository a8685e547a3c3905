/**
 * Simulated throttling: a token bucket per action, refilled at the
 * configured rate (requests per second, burst of one second's worth). When
 * a bucket is empty the request is answered 429 Rejected.Throttling, as KMS
 * does past its QPS quota, so clients' retries can be tested.
 */
export class Throttle {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  /** @param limits action name (or `*` for every action) → requests per second */
  constructor(private readonly limits: Readonly<Record<string, number>>) {}

  /** Takes a token for `action`; false when the caller must be throttled. */
  allow(action: string, now: number): boolean {
    const rate = this.limits[action] ?? this.limits["*"];
    if (rate === undefined) return true;
    const key = this.limits[action] === undefined ? "*" : action;
    const bucket = this.buckets.get(key) ?? { tokens: rate, updatedAt: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** Parses `GetSecretValue=50,*=200` (the CLI's --throttle) into limits. */
export function parseThrottleSpec(spec: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of spec.split(",").filter(Boolean)) {
    const [action, rate] = part.split("=");
    const qps = Number(rate);
    if (!action || !(qps > 0)) {
      throw new Error(
        `--throttle expects Action=QPS pairs separated by commas (e.g. GetSecretValue=50,*=200), got ${JSON.stringify(part)}`,
      );
    }
    limits[action.trim()] = qps;
  }
  return limits;
}

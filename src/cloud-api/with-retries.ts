/**
 * One call, attempted until it succeeds, fails for good, or its policy's
 * attempts run out; between attempts a jittered backoff
 * (retry-policy.ts). Whether a failure may be retried at all is the
 * call's retry rule's to say (retry-rules.ts).
 */
import { backoffDelay, type RetryPolicy } from "./retry-policy.ts";
import { mayRetry, type RetryRule } from "./retry-rules.ts";

export async function withRetries<T>(options: {
  rule: RetryRule;
  policy: RetryPolicy;
  /** Makes attempt number `attempt` (1 first); throws ApiError or NetworkError. */
  attempt: (attempt: number) => Promise<T>;
}): Promise<T> {
  const { rule, policy } = options;
  let delayMs = policy.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.attempt(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !mayRetry(error, rule)) throw error;
      delayMs = backoffDelay(attempt, policy, delayMs);
      await sleep(delayMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

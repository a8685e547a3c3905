/**
 * How long a client waits between attempts of one call, and how many it
 * makes: exponential backoff with jitter, so clients throttled together do
 * not come back together. Alibaba's own clients retry with min(10 s,
 * 2^n × 2 s) and no jitter; Rotor's wait is random:
 *
 * - `full`: a delay drawn from [0, min(max, base × 2^(attempt-1))).
 * - `decorrelated`: a delay drawn from [base, 3 × the previous delay],
 *   capped at max; spreads callers that started together further apart.
 *
 * Options win over the environment (ROTOR_RETRY_ATTEMPTS, _BASE_MS,
 * _MAX_MS, _JITTER), which wins over the defaults: a deployment tunes its
 * functions' clients in s.yaml without code.
 */
import { type Env, readEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: "full" | "decorrelated";
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  jitter: "full",
};

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` failed.
 * `previousDelayMs` is the delay before the failed attempt (the base for
 * the first); only decorrelated jitter uses it.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  previousDelayMs: number,
): number {
  if (policy.jitter === "decorrelated") {
    const low = policy.baseDelayMs;
    const high = Math.max(low, Math.min(policy.maxDelayMs, previousDelayMs * 3));
    return Math.floor(low + Math.random() * (high - low + 1));
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

/** The parts of a policy the environment sets; a bad value is a ConfigError naming its variable. */
export function retryPolicyFromEnv(env: Env): Partial<RetryPolicy> {
  const policy: Partial<RetryPolicy> = {};
  const attempts = positiveInteger(env, "ROTOR_RETRY_ATTEMPTS");
  const baseDelayMs = positiveInteger(env, "ROTOR_RETRY_BASE_MS");
  const maxDelayMs = positiveInteger(env, "ROTOR_RETRY_MAX_MS");
  if (attempts !== undefined) policy.attempts = attempts;
  if (baseDelayMs !== undefined) policy.baseDelayMs = baseDelayMs;
  if (maxDelayMs !== undefined) policy.maxDelayMs = maxDelayMs;
  const jitter = readEnv("ROTOR_RETRY_JITTER", env);
  if (jitter !== undefined) {
    if (jitter !== "full" && jitter !== "decorrelated") {
      throw new ConfigError(
        `Environment variable ROTOR_RETRY_JITTER must be "full" or "decorrelated", got ${JSON.stringify(jitter)}`,
      );
    }
    policy.jitter = jitter;
  }
  return policy;
}

/** Defaults, then the environment, then the options. */
export function resolveRetryPolicy(
  env: Env,
  options: Partial<RetryPolicy> | undefined,
): RetryPolicy {
  return { ...DEFAULT_RETRY, ...retryPolicyFromEnv(env), ...dropUndefined(options ?? {}) };
}

function dropUndefined(policy: Partial<RetryPolicy>): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
}

function positiveInteger(env: Env, name: string): number | undefined {
  const text = readEnv(name, env);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(
      `Environment variable ${name} must be a whole number of at least 1, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

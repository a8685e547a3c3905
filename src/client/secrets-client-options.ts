/**
 * What a SecretsClient can be told, its defaults, and the checks that turn a
 * bad option into a ConfigError naming it (before any call is made).
 */

import type { AccessKeyCredentials, CallObserver, Env, RetryPolicy } from "@rotor/cloud-api";
import { ConfigError } from "@rotor/cloud-api";

/** Where the client reports outages and recoveries. Lines never hold a secret value. */
export interface ClientLogger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface SecretsClientOptions {
  /**
   * KMS endpoint, e.g. `http://127.0.0.1:8765` for the local cloud. Default:
   * `ROTOR_ENDPOINT_KMS`, then `ROTOR_ENDPOINT`, then KMS's public endpoint
   * for the region.
   */
  endpoint?: string | undefined;
  /** Default: `ALIBABA_CLOUD_REGION_ID`, then `FC_REGION`, then `cn-hangzhou`. */
  region?: string | undefined;
  /**
   * Explicit keys. Default: the standard Alibaba credential chain
   * (environment variables, config file, ECS RAM role, FC's role keys in
   * the environment).
   */
  credentials?: AccessKeyCredentials | undefined;
  /** How long a fetched value is served without asking KMS again. Default one hour. */
  ttlMs?: number | undefined;
  /** Per-secret TTLs, by secret name; others use `ttlMs`. */
  ttlBySecret?: Readonly<Record<string, number>> | undefined;
  /**
   * How long before expiry a secret that is in use is refreshed in the
   * background, so readers never wait. Default a tenth of its TTL.
   */
  refreshAheadMs?: number | undefined;
  /** Retries of one GetSecretValue call on throttling and outages. */
  retry?: Partial<RetryPolicy> | undefined;
  /** Per-call read timeout. Default 10 s. */
  timeoutMs?: number | undefined;
  /** Default: `console` (warnings only). */
  logger?: ClientLogger | undefined;
  /** Sees every KMS call (counting, tracing); never the secret values. */
  observer?: CallObserver | undefined;
  /** Environment to read instead of `process.env` (tests). */
  env?: Env | undefined;
}

export const DEFAULT_TTL_MS = 60 * 60 * 1000;
/** setTimeout fires at once for longer delays, so no TTL may exceed it. */
export const MAX_TTL_MS = 2 ** 31 - 1;

/** After a failed refresh, the next attempt waits base·2^(failures-1), at most max. */
export const STALE_RETRY_BASE_MS = 2_000;
export const STALE_RETRY_MAX_MS = 60_000;

export interface ResolvedCacheOptions {
  ttlMs: number;
  ttlBySecret: ReadonlyMap<string, number>;
  refreshAheadMs: number | undefined;
  logger: ClientLogger;
}

export function resolveCacheOptions(options: SecretsClientOptions): ResolvedCacheOptions {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  checkDuration("ttlMs", ttlMs, 1);
  const ttlBySecret = new Map<string, number>();
  for (const [name, ttl] of Object.entries(options.ttlBySecret ?? {})) {
    checkDuration(`ttlBySecret[${JSON.stringify(name)}]`, ttl, 1);
    ttlBySecret.set(name, ttl);
  }
  if (options.refreshAheadMs !== undefined) {
    checkDuration("refreshAheadMs", options.refreshAheadMs, 0);
  }
  if (options.timeoutMs !== undefined) checkDuration("timeoutMs", options.timeoutMs, 1);
  return {
    ttlMs,
    ttlBySecret,
    refreshAheadMs: options.refreshAheadMs,
    logger: options.logger ?? defaultLogger,
  };
}

function checkDuration(option: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_TTL_MS) {
    throw new ConfigError(
      `${option} must be a whole number of milliseconds from ${min} to ${MAX_TTL_MS}, got ${String(value)}`,
    );
  }
}

const defaultLogger: ClientLogger = {
  warn: (message) => console.warn(message),
};

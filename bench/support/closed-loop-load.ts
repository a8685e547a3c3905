/**
 * A closed-loop load generator: `concurrency` workers each issue one request
 * after another until `total` have been sent or `maxMs` has passed, so the
 * run is bounded both in count and in time.
 */
import { performance } from "node:perf_hooks";

export interface LoadResult {
  completed: number;
  failed: number;
  elapsedMs: number;
  /** Latency of every completed request. */
  latenciesMs: number[];
}

export async function closedLoopLoad(options: {
  call: () => Promise<unknown>;
  concurrency: number;
  total: number;
  maxMs: number;
}): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let issued = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async () => {
    while (issued < options.total && performance.now() < deadline) {
      issued++;
      const begin = performance.now();
      try {
        await options.call();
        latenciesMs.push(performance.now() - begin);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    completed: latenciesMs.length,
    failed,
    elapsedMs: performance.now() - started,
    latenciesMs,
  };
}

/** Several rounds of one target added up. */
export function combine(rounds: LoadResult[]): LoadResult {
  return {
    completed: rounds.reduce((sum, r) => sum + r.completed, 0),
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
    elapsedMs: rounds.reduce((sum, r) => sum + r.elapsedMs, 0),
    latenciesMs: rounds.flatMap((r) => r.latenciesMs),
  };
}

export function requestsPerSecond(load: LoadResult): number {
  return load.elapsedMs === 0 ? 0 : (load.completed / load.elapsedMs) * 1000;
}

export function percentileMs(load: LoadResult, percentile: number): number {
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((percentile / 100) * sorted.length))] ?? 0;
}

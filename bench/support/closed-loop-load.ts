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
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function closedLoopLoad(options: {
  call: () => Promise<unknown>;
  concurrency: number;
  total: number;
  maxMs: number;
}): Promise<LoadResult> {
  const latencies: number[] = [];
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
        latencies.push(performance.now() - begin);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    completed: latencies.length,
    failed,
    elapsedMs,
    requestsPerSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
  };
}

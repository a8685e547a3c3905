/**
 * What the local cloud counts for benchmarks and quota checks: per action
 * and per quota group, the calls that reached the throttle, those admitted
 * and those refused, and the busiest second of each. Counts hold action
 * names and numbers only, never parameters.
 */
import type { QuotaGroup } from "./alibaba-kms-quotas.ts";
import { PeakRate } from "./peak-rate.ts";

export interface CallCounts {
  /** Calls that reached the throttle (offered). */
  calls: number;
  admitted: number;
  /** Answered 429 Rejected.Throttling. */
  throttled: number;
  /** Most calls offered in any one-second window. */
  peakCallsPerSecond: number;
  /** Most calls admitted in any one-second window. */
  peakAdmittedPerSecond: number;
}

export interface GroupCounts extends CallCounts {
  product: string;
  limitPerSecond: number;
  basis: QuotaGroup["basis"];
  actions: readonly string[];
}

export interface CallStatsSnapshot {
  /** When counting (re)started, ISO 8601. */
  since: string;
  /** The quota preset in force, or null. */
  quotas: string | null;
  /** By quota group name (empty without quotas). */
  groups: Record<string, GroupCounts>;
  /** By `product:Action`, e.g. `kms:GetSecretValue`. */
  actions: Record<string, CallCounts>;
  memory: {
    rssBytes: number;
    heapUsedBytes: number;
    heapTotalBytes: number;
    externalBytes: number;
  };
  /** How much the cloud holds: `secrets` is KMS's secret count (secrets in a recovery window included). */
  state: { secrets: number; loadMs: number };
}

class Counter {
  calls = 0;
  admitted = 0;
  throttled = 0;
  private readonly offered = new PeakRate();
  private readonly passed = new PeakRate();

  record(admitted: boolean, now: number): void {
    this.calls += 1;
    this.offered.record(now);
    if (admitted) {
      this.admitted += 1;
      this.passed.record(now);
    } else {
      this.throttled += 1;
    }
  }

  counts(): CallCounts {
    return {
      calls: this.calls,
      admitted: this.admitted,
      throttled: this.throttled,
      peakCallsPerSecond: this.offered.peakPerSecond,
      peakAdmittedPerSecond: this.passed.peakPerSecond,
    };
  }
}

function counterIn(counters: Map<string, Counter>, key: string): Counter {
  let counter = counters.get(key);
  if (!counter) {
    counter = new Counter();
    counters.set(key, counter);
  }
  return counter;
}

export class CallStats {
  private since = Date.now();
  private byAction = new Map<string, Counter>();
  private byGroup = new Map<string, Counter>();

  constructor(
    private readonly quotaPreset: string | undefined,
    private readonly groups: readonly QuotaGroup[],
    private readonly state: () => { secrets: number; loadMs: number },
  ) {}

  /** One call of `product:action`, in `group` when quotas are on. */
  record(
    key: { product: string; action: string; group?: string | undefined },
    admitted: boolean,
    now: number,
  ): void {
    counterIn(this.byAction, `${key.product}:${key.action}`).record(admitted, now);
    if (key.group !== undefined) counterIn(this.byGroup, key.group).record(admitted, now);
  }

  reset(): void {
    this.since = Date.now();
    this.byAction = new Map();
    this.byGroup = new Map();
  }

  snapshot(): CallStatsSnapshot {
    const memory = process.memoryUsage();
    const empty = new Counter().counts();
    return {
      since: new Date(this.since).toISOString(),
      quotas: this.quotaPreset ?? null,
      groups: Object.fromEntries(
        this.groups.map((group) => [
          group.name,
          {
            product: group.product,
            limitPerSecond: group.perSecond,
            basis: group.basis,
            actions: group.actions,
            ...(this.byGroup.get(group.name)?.counts() ?? empty),
          },
        ]),
      ),
      actions: Object.fromEntries(
        [...this.byAction].map(([name, counter]) => [name, counter.counts()]),
      ),
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
      },
      state: this.state(),
    };
  }
}

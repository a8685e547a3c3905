/** What every `bench/*.bench.ts` module's default export resolves to. */
export interface BenchResult {
  /** Short title, e.g. "Local cloud throughput". */
  name: string;
  /** What was run, in a sentence or two, for the report. */
  description: string;
  /** Human-readable result lines (Markdown allowed). */
  lines: string[];
  /** Key numbers by name, e.g. `{ localCloudRequestsPerSecond: 2400 }`. */
  numbers: Record<string, number>;
}

export type BenchModule = { default: () => Promise<BenchResult> };

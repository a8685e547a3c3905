/**
 * One scheduler run, as the scheduler function does it on its timer: plan
 * every managed secret, fan out the due ones, and summarise. Secrets whose
 * policy is invalid or whose versions cannot be read are counted and named
 * in the summary; they never stop the run.
 */
import type { KmsClient } from "../clients/kms-client.ts";
import { type AsyncInvoker, type FanOutResult, fanOut } from "./fan-out.ts";
import { type PlanEntry, planRotations } from "./plan.ts";

export interface SchedulerRunOptions {
  kms: KmsClient;
  fc: AsyncInvoker;
  now?: number;
  kmsQps?: number;
  fcQps?: number;
  concurrency?: number;
  onProgress?: (phase: "plan" | "fan-out", done: number, total: number) => void;
}

export interface SchedulerSummary {
  planned: number;
  due: number;
  invoked: number;
  duplicates: number;
  failed: FanOutResult[];
  skipped: Pick<PlanEntry, "secretName" | "status" | "reason">[];
}

export async function runScheduler(options: SchedulerRunOptions): Promise<SchedulerSummary> {
  const now = options.now ?? Date.now();
  const plan = await planRotations({
    kms: options.kms,
    now,
    kmsQps: options.kmsQps,
    concurrency: options.concurrency,
    onProgress: (done, total) => options.onProgress?.("plan", done, total),
  });
  const due = plan.filter((entry) => entry.status === "due");
  const results = await fanOut(due, {
    fc: options.fc,
    now,
    fcQps: options.fcQps,
    concurrency: options.concurrency,
    onProgress: (done, total) => options.onProgress?.("fan-out", done, total),
  });
  return {
    planned: plan.length,
    due: due.length,
    invoked: results.filter((result) => result.outcome === "invoked").length,
    duplicates: results.filter((result) => result.outcome === "duplicate").length,
    failed: results.filter((result) => result.outcome === "failed"),
    skipped: plan
      .filter((entry) => entry.status === "invalid" || entry.status === "unreadable")
      .map(({ secretName, status, reason }) => ({ secretName, status, reason })),
  };
}

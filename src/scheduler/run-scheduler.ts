/**
 * One scheduler run, as the scheduler function does it on its timer: plan
 * every managed secret, report tags that turned a rotation off or weakened
 * it (once each, weakening-reports.ts), fan out the due ones, ask for the
 * grace periods that have run out to be ended (grace-endings.ts), and
 * summarise. Secrets whose policy is invalid or whose versions cannot be
 * read are counted and named in the summary; they never stop the run.
 * Whether the requests that failed make the run a failure is decided by
 * scheduler-run-failure.ts.
 */
import type { KmsClient } from "../clients/kms-client.ts";
import type { DeployPolicy } from "../config/deploy-policy.ts";
import type { RotorEventSink } from "../notify/rotor-events.ts";
import type { Notifier } from "../notify/webhook-notifier.ts";
import { type AsyncInvoker, type FanOutResult, fanOut, sendInvocations } from "./fan-out.ts";
import { graceEndings } from "./grace-endings.ts";
import { reportOverdue } from "./overdue-reports.ts";
import { type PlanEntry, planRotations } from "./plan.ts";
import type { UnwrittenRecord } from "./unwritten-records.ts";
import { reportWeakenings } from "./weakening-reports.ts";

export interface SchedulerRunOptions {
  kms: KmsClient;
  fc: AsyncInvoker;
  now?: number;
  kmsQps?: number;
  fcQps?: number;
  concurrency?: number;
  /** The limits tags may only narrow, as the rotation functions apply them. */
  policy?: DeployPolicy | undefined;
  /** Where reports of weakening tags are announced (besides the log). */
  notifier?: Notifier | undefined;
  /** Where overdue secrets and weakening tags are published as events (docs/events.md). */
  events?: RotorEventSink | undefined;
  /** Writes a warning log line (default: none). */
  warn?: (event: string, fields: Record<string, unknown>) => void;
  onProgress?: (phase: "plan" | "fan-out", done: number, total: number) => void;
}

export interface SchedulerSummary {
  planned: number;
  due: number;
  /** Invocations the run asked FC for: one per due secret and one per grace period to end. */
  requested: number;
  invoked: number;
  duplicates: number;
  /** Grace periods whose ending was requested in this run (duplicates of earlier runs not counted). */
  graceEndings: number;
  /** Secrets whose weakening tags were reported in this run (each set of findings once). */
  weakeningsReported: number;
  /** Overdue secrets announced in this run (each once per window; overdue-reports.ts). */
  overdueReported: number;
  /**
   * Report records (rotor:weakening-reported, rotor:overdue-reported) the
   * run could not write or remove, so their reports repeat next run
   * (unwritten-records.ts); empty when the role holds its tag rights.
   */
  recordsUnwritten: UnwrittenRecord[];
  /** Rotations and grace endings that could not be requested. */
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
    policy: options.policy,
    onProgress: (done, total) => options.onProgress?.("plan", done, total),
  });
  const recordsUnwritten: UnwrittenRecord[] = [];
  const weakeningsReported = await reportWeakenings(plan, {
    kms: options.kms,
    notifier: options.notifier,
    events: options.events,
    warn: options.warn ?? (() => {}),
    unwritten: recordsUnwritten,
    now,
  });
  const overdueReported = await reportOverdue(plan, {
    kms: options.kms,
    events: options.events,
    warn: options.warn ?? (() => {}),
    unwritten: recordsUnwritten,
    now,
  });
  const due = plan.filter((entry) => entry.status === "due");
  const results = await fanOut(due, {
    fc: options.fc,
    now,
    fcQps: options.fcQps,
    concurrency: options.concurrency,
    onProgress: (done, total) => options.onProgress?.("fan-out", done, total),
  });
  const graceResults = await sendInvocations(graceEndings(plan, now), {
    fc: options.fc,
    now,
    fcQps: options.fcQps,
    concurrency: options.concurrency,
  });
  return {
    planned: plan.length,
    due: due.length,
    requested: results.length + graceResults.length,
    invoked: results.filter((result) => result.outcome === "invoked").length,
    duplicates: results.filter((result) => result.outcome === "duplicate").length,
    graceEndings: graceResults.filter((result) => result.outcome === "invoked").length,
    weakeningsReported,
    overdueReported,
    recordsUnwritten,
    failed: [...results, ...graceResults].filter((result) => result.outcome === "failed"),
    skipped: plan
      .filter((entry) => entry.status === "invalid" || entry.status === "unreadable")
      .map(({ secretName, status, reason }) => ({ secretName, status, reason })),
  };
}

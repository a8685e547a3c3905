/**
 * One scheduler run, as the scheduler function does it on its timer: plan
 * every managed secret page by page (plan-pages.ts), and for each page
 * report tags that turned a rotation off or weakened it (once each,
 * weakening-reports.ts) and secrets overdue (once per window,
 * overdue-reports.ts), fan out the due ones spread over their windows
 * (rotation-spread.ts), and ask for the grace periods that have run out to
 * be ended (grace-endings.ts); then summarise. Only the run's counts and
 * what it must name (failures, skipped secrets, records left unwritten)
 * outlive their page. Secrets whose policy is invalid or whose versions
 * cannot be read are counted and named in the summary; they never stop
 * the run. Whether the requests that failed make the run a failure is
 * decided by scheduler-run-failure.ts. A run without the record key
 * (ROTOR_RECORD_KEY) says so once, in its log and its summary's
 * `warnings`: it still plans every secret, but from its versions, one
 * listing call each, which is what makes such a run slow.
 */
import type { KmsClient } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import type { RotorEventSink } from "../contract/rotor-events.ts";
import { RECORD_KEY_ENV } from "../contract/tags/rotation-record.ts";
import type { Notifier } from "../notify/webhook-notifier.ts";
import { type AsyncInvoker, type FanOutResult, fanOut, sendInvocations } from "./fan-out.ts";
import { graceEndings } from "./grace-endings.ts";
import { reportOverdue } from "./overdue-reports.ts";
import type { PlanEntry } from "./plan.ts";
import { planPages } from "./plan-pages.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { RotationSpread } from "./rotation-spread.ts";
import type { UnwrittenRecord } from "./unwritten-records.ts";
import { reportWeakenings } from "./weakening-reports.ts";

/**
 * The run's own budget of KMS calls per second. Its calls (ListSecrets,
 * and ListSecretVersionIds where a record does not settle a secret) fall
 * in KMS's listing group, 40 QPS an account, which the rotations it
 * starts share: 4 rotations a second (rotation-spread.ts) make 8 listing
 * calls a second (DescribeSecret, ListSecretVersionIds). 20 for the plan
 * keeps the two at 28, the 70% at which CloudMonitor warns, and lists
 * 100,000 secrets (1,000 pages) in 50 s; a due secret's versions are read
 * by its rotation, not by the plan (plan-pages.ts, `dueFromRecord`).
 */
export const DEFAULT_SCHEDULER_KMS_QPS = 20;

/** What a run without the record key warns of, once, in its log and its summary. */
export const UNSIGNED_RECORDS_WARNING = {
  event: "scheduler.records-unsigned",
  message: `${RECORD_KEY_ENV} is not set: rotation records are neither read nor written, so every managed secret is planned from its versions (one ListSecretVersionIds call each, within the run's KMS budget) instead of from its listing; set ${RECORD_KEY_ENV} on the scheduler and the rotation functions (docs/deploy.md)`,
} as const;

export interface SchedulerWarning {
  /** The warning's log event, e.g. `scheduler.records-unsigned`. */
  event: string;
  /** What is wrong, what it costs and what to set. */
  message: string;
}

export interface SchedulerRunOptions {
  kms: KmsClient;
  fc: AsyncInvoker;
  now?: number;
  /** The run's KMS calls per second (default DEFAULT_SCHEDULER_KMS_QPS). */
  kmsQps?: number;
  fcQps?: number;
  concurrency?: number;
  /** The rotation record's key (ROTOR_RECORD_KEY): without it every secret's versions are read. */
  recordKey?: Buffer | undefined;
  /** How many rotations may start per second (default 4, rotation-spread.ts). */
  rotationsPerSecond?: number | undefined;
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
  /** What the run found wrong with its own configuration, each once (e.g. no ROTOR_RECORD_KEY). */
  warnings: SchedulerWarning[];
}

export async function runScheduler(options: SchedulerRunOptions): Promise<SchedulerSummary> {
  const now = options.now ?? Date.now();
  const warn = options.warn ?? (() => {});
  const spread = new RotationSpread(now, options.rotationsPerSecond);
  // One FC budget for the whole run, however many pages it fans out.
  const fcOptions = {
    fc: options.fc,
    now,
    concurrency: options.concurrency,
    limiter: new RateLimiter(options.fcQps ?? 50),
  };
  const summary: SchedulerSummary = {
    planned: 0,
    due: 0,
    requested: 0,
    invoked: 0,
    duplicates: 0,
    graceEndings: 0,
    weakeningsReported: 0,
    overdueReported: 0,
    recordsUnwritten: [],
    failed: [],
    skipped: [],
    warnings: [],
  };
  if (options.recordKey === undefined) {
    summary.warnings.push({ ...UNSIGNED_RECORDS_WARNING });
    warn(UNSIGNED_RECORDS_WARNING.event, { message: UNSIGNED_RECORDS_WARNING.message });
  }
  const pages = planPages({
    kms: options.kms,
    now,
    kmsQps: options.kmsQps ?? DEFAULT_SCHEDULER_KMS_QPS,
    concurrency: options.concurrency,
    policy: options.policy,
    recordKey: options.recordKey,
    dueFromRecord: true,
    repairRecords: true,
    warn,
    onProgress: (done, total) => options.onProgress?.("plan", done, total),
  });
  for await (const plan of pages) {
    summary.planned += plan.length;
    summary.weakeningsReported += await reportWeakenings(plan, {
      kms: options.kms,
      notifier: options.notifier,
      events: options.events,
      warn,
      unwritten: summary.recordsUnwritten,
      now,
    });
    summary.overdueReported += await reportOverdue(plan, {
      kms: options.kms,
      events: options.events,
      warn,
      unwritten: summary.recordsUnwritten,
      now,
    });
    const due = plan.filter((entry) => entry.status === "due");
    summary.due += due.length;
    const results = await fanOut(due, { ...fcOptions, spread });
    const graceResults = await sendInvocations(graceEndings(plan, now), fcOptions);
    summary.requested += results.length + graceResults.length;
    summary.invoked += results.filter((result) => result.outcome === "invoked").length;
    summary.duplicates += results.filter((result) => result.outcome === "duplicate").length;
    summary.graceEndings += graceResults.filter((result) => result.outcome === "invoked").length;
    summary.failed.push(
      ...[...results, ...graceResults].filter((result) => result.outcome === "failed"),
    );
    summary.skipped.push(
      ...plan
        .filter((entry) => entry.status === "invalid" || entry.status === "unreadable")
        .map(({ secretName, status, reason }) => ({ secretName, status, reason })),
    );
    options.onProgress?.("fan-out", summary.requested, summary.due);
  }
  return summary;
}

/**
 * The scheduler function: on its FC timer it plans every managed secret and
 * fans out one asynchronous invocation per due secret to the function that
 * rotates it. Credentials come from the FC context (the function's role),
 * endpoints from ROTOR_ENDPOINT or the region's public ones. One JSON log
 * line summarises the run; secrets that could not be planned are listed by
 * name and reason. Tags that turn a rotation off or weaken it are reported
 * once each, as a warning line and on ROTOR_NOTIFY_URL when set; with
 * ROTOR_EVENT_BUS set they, and every overdue secret (once per window), are
 * published as events (docs/events.md).
 *
 * A run whose requests failed as scheduler-run-failure.ts says is announced
 * on the webhook (ROTOR_NOTIFY_URL, as for the onFailure function) and then
 * thrown as SchedulerRunError, so FC records the invocation as failed and
 * `rotor invoke scheduler` exits 1.
 */

import { KmsClient, readEnv } from "@rotor/cloud-api";
import { deployPolicyFromEnv } from "../contract/deploy-policy.ts";
import { recordKeyFromEnv } from "../contract/tags/rotation-record.ts";
import { publisherFromEnv } from "../notify/event-bus-publisher.ts";
import { type Notifier, notifierFromEnv } from "../notify/webhook-notifier.ts";
import { FcClient } from "../scheduler/fc-client.ts";
import { runScheduler, type SchedulerSummary } from "../scheduler/run-scheduler.ts";
import { SchedulerRunError, schedulerRunFailure } from "../scheduler/scheduler-run-failure.ts";
import type { FcContext } from "./fc-context.ts";

export interface SchedulerHandlerOptions {
  write?: (line: string) => void;
  now?: () => number;
  /** Where a failed run is announced (default: from ROTOR_NOTIFY_URL; none when unset). */
  notifier?: Notifier | undefined;
}

export function createSchedulerHandler(options: SchedulerHandlerOptions = {}) {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return async (_event: unknown, context: FcContext): Promise<SchedulerSummary> => {
    const region = context.region ?? readEnv("FC_REGION");
    const started = Date.now();
    const warn = (event: string, fields: Record<string, unknown>) =>
      write(JSON.stringify({ level: "warn", event, fcRequestId: context.requestId, ...fields }));
    // ROTOR_EVENT_BUS set: overdue secrets and weakening tags are published there too.
    const events = publisherFromEnv({ region, credentials: context.credentials, warn });
    const summary = await runScheduler({
      kms: new KmsClient({ region, credentials: context.credentials }),
      fc: new FcClient({ region, accountId: context.accountId, credentials: context.credentials }),
      now: options.now?.(),
      kmsQps: numberEnv("ROTOR_SCHEDULER_KMS_QPS"),
      fcQps: numberEnv("ROTOR_SCHEDULER_FC_QPS"),
      concurrency: numberEnv("ROTOR_SCHEDULER_CONCURRENCY"),
      rotationsPerSecond: numberEnv("ROTOR_SCHEDULER_ROTATIONS_PER_SECOND"),
      recordKey: recordKeyFromEnv(),
      policy: deployPolicyFromEnv(),
      notifier: notifierFromEnv(),
      events,
      warn,
    }).finally(() => events?.flush());
    const failure = schedulerRunFailure(summary);
    write(
      JSON.stringify({
        level: failure ? "error" : summary.failed.length > 0 ? "warn" : "info",
        event: "scheduler.run",
        fcRequestId: context.requestId,
        durationMs: Date.now() - started,
        planned: summary.planned,
        due: summary.due,
        requested: summary.requested,
        invoked: summary.invoked,
        duplicates: summary.duplicates,
        graceEndings: summary.graceEndings,
        weakeningsReported: summary.weakeningsReported,
        overdueReported: summary.overdueReported,
        failed: summary.failed.map(({ secretName, functionName, error, transient }) => ({
          secretName,
          functionName,
          error,
          transient,
        })),
        skipped: summary.skipped,
      }),
    );
    if (failure) throw await announced(failure, context, options.notifier);
    return summary;
  };
}

/**
 * The run's failure after announcing it. A webhook that does not take the
 * message does not hide the failure: the error says so as well.
 */
async function announced(
  failure: SchedulerRunError,
  context: FcContext,
  configured: Notifier | undefined,
): Promise<SchedulerRunError> {
  try {
    const notifier = configured ?? notifierFromEnv();
    await notifier?.notifySchedulerFailure({
      functionName: context.function?.name ?? readEnv("FC_FUNCTION_NAME") ?? "scheduler",
      requested: failure.summary.requested,
      failed: failure.summary.failed.map(({ secretName, functionName, error }) => ({
        secretName,
        functionName,
        error: error ?? "failed",
      })),
      at: Date.now(),
    });
    return failure;
  } catch (error) {
    return new SchedulerRunError(
      `${failure.message} (and announcing it failed: ${error instanceof Error ? error.message : String(error)})`,
      failure.summary,
    );
  }
}

function numberEnv(name: string): number | undefined {
  const value = readEnv(name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0))
    throw new Error(
      `Environment variable ${name} must be a positive number, got ${JSON.stringify(value)}`,
    );
  return number;
}

/**
 * The scheduler function: on its FC timer it plans every managed secret and
 * fans out one asynchronous invocation per due secret to the function that
 * rotates it. Credentials come from the FC context (the function's role),
 * endpoints from ROTOR_ENDPOINT or the region's public ones. One JSON log
 * line summarises the run; secrets that could not be planned are listed by
 * name and reason. Tags that turn a rotation off or weaken it are reported
 * once each, as a warning line and on ROTOR_NOTIFY_URL when set.
 */
import { FcClient } from "../../clients/fc-client.ts";
import { KmsClient } from "../../clients/kms-client.ts";
import { deployPolicyFromEnv } from "../../config/deploy-policy.ts";
import { readEnv } from "../../config/env.ts";
import type { FcContext } from "../../handler/fc-context.ts";
import { notifierFromEnv } from "../../notify/webhook-notifier.ts";
import { runScheduler, type SchedulerSummary } from "../run-scheduler.ts";

export interface SchedulerHandlerOptions {
  write?: (line: string) => void;
  now?: () => number;
}

export function createSchedulerHandler(options: SchedulerHandlerOptions = {}) {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return async (_event: unknown, context: FcContext): Promise<SchedulerSummary> => {
    const region = context.region ?? readEnv("FC_REGION");
    const started = Date.now();
    const summary = await runScheduler({
      kms: new KmsClient({ region, credentials: context.credentials }),
      fc: new FcClient({ region, accountId: context.accountId, credentials: context.credentials }),
      now: options.now?.(),
      kmsQps: numberEnv("ROTOR_SCHEDULER_KMS_QPS"),
      fcQps: numberEnv("ROTOR_SCHEDULER_FC_QPS"),
      concurrency: numberEnv("ROTOR_SCHEDULER_CONCURRENCY"),
      policy: deployPolicyFromEnv(),
      notifier: notifierFromEnv(),
      warn: (event, fields) =>
        write(JSON.stringify({ level: "warn", event, fcRequestId: context.requestId, ...fields })),
    });
    write(
      JSON.stringify({
        level: "info",
        event: "scheduler.run",
        fcRequestId: context.requestId,
        durationMs: Date.now() - started,
        planned: summary.planned,
        due: summary.due,
        invoked: summary.invoked,
        duplicates: summary.duplicates,
        graceEndings: summary.graceEndings,
        weakeningsReported: summary.weakeningsReported,
        failed: summary.failed.map(({ secretName, error }) => ({ secretName, error })),
        skipped: summary.skipped,
      }),
    );
    return summary;
  };
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

/**
 * The audit line of each step: secret, step, version, outcome, duration
 * and the KMS request ids it made. A refusal (RotationBlockedError) is
 * written `refused`, not `failed`: it is not the secret's failure.
 */

import { describeError } from "../contract/describe-error.ts";
import { RotationBlockedError } from "../contract/rotation-errors.ts";
import type { Step } from "../contract/rotator-contract.ts";
import type { EngineRuntime } from "./engine-runtime.ts";

/** Runs one step's work and writes its audit line, whatever the outcome. */
export async function auditStep<T>(
  runtime: EngineRuntime,
  secretName: string,
  step: Step,
  versionId: string,
  flags: { dryRun?: boolean; skipped?: boolean },
  work: () => Promise<T>,
): Promise<T> {
  const started = runtime.now();
  const line = (outcome: string, extra: Record<string, unknown> = {}) => {
    runtime.log.info("rotation-step", {
      secret: secretName,
      step,
      versionId,
      outcome,
      durationMs: runtime.now() - started,
      requestIds: runtime.store.takeStepRequestIds(),
      ...(flags.dryRun ? { dryRun: true } : {}),
      ...extra,
    });
  };
  try {
    const result = await work();
    line(flags.skipped ? "skipped" : "ok");
    return result;
  } catch (error) {
    line(error instanceof RotationBlockedError ? "refused" : "failed", {
      error: describeError(error),
    });
    throw error;
  }
}

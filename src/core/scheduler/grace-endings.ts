/**
 * The grace periods a scheduler run ends: secrets whose `rotor:grace-period`
 * is a duration that has passed since their last rotation, and whose
 * ACSPrevious version has not been retired yet (`rotor:grace-ended`). Each
 * becomes one asynchronous invocation `{"SecretName","EndGracePeriod":true}`
 * of the secret's rotation function, whose rotator retires the previous
 * value (the RAM AccessKey rotator sets the key Inactive).
 *
 * A secret due for rotation is left out: its rotation replaces ACSPrevious
 * anyway. The task id is derived from the secret and the previous version,
 * so FC runs one grace ending per previous version however often the
 * scheduler runs before the engine records it.
 */
import { createHash } from "node:crypto";
import type { ScheduledInvocation } from "./fan-out.ts";
import type { PlanEntry } from "./plan.ts";

export function graceEndings(plan: readonly PlanEntry[], now: number): ScheduledInvocation[] {
  return plan
    .filter(
      (entry) =>
        entry.status !== "due" &&
        entry.grace !== undefined &&
        !entry.grace.ended &&
        entry.grace.endsAt <= now,
    )
    .map((entry) => ({
      secretName: entry.secretName,
      functionName: entry.functionName,
      event: { SecretName: entry.secretName, EndGracePeriod: true },
      taskId: graceEndingTaskId(entry.secretName, entry.grace?.previousVersionId ?? ""),
    }));
}

export function graceEndingTaskId(secretName: string, previousVersionId: string): string {
  const digest = createHash("sha256")
    .update(`grace\n${secretName}\n${previousVersionId}`)
    .digest("hex")
    .slice(0, 32);
  return `rotor-grace-${digest}`;
}

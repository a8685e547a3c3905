/**
 * When a scheduler run is a failure rather than a success with warnings.
 * A request FC refused (no such function: a wrong `rotor:function`; no
 * permission: the scheduler's role or a function name outside it) fails
 * again on every run until someone acts, so one is enough to fail the run.
 * A run in which every request failed, whatever the reason, rotated nothing
 * and fails too. A few requests still throttled, or unanswered, after their
 * retries among many that went through are warnings: the summary lists
 * them, and the next run asks again.
 */
import { RotorError } from "@rotor/cloud-api";
import type { FanOutResult } from "./fan-out.ts";
import type { SchedulerSummary } from "./run-scheduler.ts";

/** How many failed requests an error message names; the rest are counted. */
const NAMED_IN_MESSAGE = 10;

/** A scheduler run that failed: its message names the requests that failed and why. */
export class SchedulerRunError extends RotorError {
  override name = "SchedulerRunError";
  readonly summary: SchedulerSummary;
  constructor(message: string, summary: SchedulerSummary) {
    super(message);
    this.summary = summary;
  }
}

/** The run's failure, or undefined when it succeeded (possibly with transient warnings). */
export function schedulerRunFailure(summary: SchedulerSummary): SchedulerRunError | undefined {
  const { failed, requested } = summary;
  if (failed.length === 0) return undefined;
  const refused = failed.filter((result) => !result.transient);
  if (refused.length === 0 && failed.length < requested) return undefined;
  const why =
    refused.length > 0
      ? `FC refused ${refused.length === 1 ? "one" : refused.length} of them, which no retry fixes: check the secrets' rotor:function tags and the scheduler's permissions`
      : "every request failed";
  return new SchedulerRunError(
    `The scheduler could not request ${failed.length} of ${requested} invocations (${why}): ${describeFailures(failed)}`,
    summary,
  );
}

/** `secret → function: error; …`, refusals first, at most NAMED_IN_MESSAGE of them. */
function describeFailures(failed: readonly FanOutResult[]): string {
  const ordered = [
    ...failed.filter((result) => !result.transient),
    ...failed.filter((result) => result.transient),
  ];
  const named = ordered
    .slice(0, NAMED_IN_MESSAGE)
    .map((result) => `${result.secretName} → ${result.functionName}: ${result.error ?? "failed"}`);
  const rest = ordered.length - named.length;
  return rest > 0 ? `${named.join("; ")}; and ${rest} more` : named.join("; ");
}

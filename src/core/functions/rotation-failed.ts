/**
 * Every failure leaves the rotation function as one clean error: its name
 * and message (both built without secret values), no `cause` chain that
 * could carry an SDK's request details, and one JSON log line. The handler
 * still throws it, so FC marks the invocation failed and CloudFlow or
 * async retries see it.
 */
import { RotorError } from "@rotor/cloud-api";
import { describeError } from "../contract/describe-error.ts";
import { failedStepOf } from "../engine/failed-step.ts";
import type { JsonLogger } from "../engine/json-logger.ts";

export class RotationFailed extends Error {
  /** The original error's class name, e.g. ValidationError or RotationInProgressError. */
  readonly errorType: string;
  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

/** `error` as the function lets it out, logged as `rotation-failed`. */
export function rotationFailed(error: unknown, log: JsonLogger): RotationFailed {
  const type = error instanceof RotorError ? error.name : "InternalError";
  const message =
    error instanceof RotorError
      ? error.message
      : `unexpected ${nameOf(error) ?? "error"}: ${describeError(error)}`;
  const step = failedStepOf(error);
  log.error("rotation-failed", {
    errorType: type,
    ...(step === undefined ? {} : { step }),
    error: message,
  });
  return new RotationFailed(type, message);
}

/** What a thrown value calls itself (an Error's class name), if anything. */
function nameOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
}

/**
 * Every failure leaves the function as one clean error: its name and
 * message (both built without secret values), no `cause` chain that could
 * carry an SDK's request details, and one JSON log line. The error is still
 * thrown, so FC marks the invocation failed and CloudFlow or async retries
 * see it.
 */

import { RotorError } from "@rotor/cloud-api";
import { describeError } from "../../contract/describe-error.ts";
import { type RotationMiddyRequest, state } from "./handler-state.ts";

export class RotationFailed extends Error {
  /** The original error's class name, e.g. ValidationError or RotationInProgressError. */
  readonly errorType: string;
  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

export function errorShaping() {
  return {
    name: "rotor-error-shaping",
    onError(request: RotationMiddyRequest): void {
      const error = request.error;
      const type = error instanceof RotorError ? error.name : "InternalError";
      const message =
        error instanceof RotorError
          ? error.message
          : `unexpected ${(error as Error)?.name ?? "error"}: ${describeError(error)}`;
      state(request)["rotor.log"]?.error("rotation-failed", { errorType: type, error: message });
      request.error = new RotationFailed(type, message);
    },
  };
}

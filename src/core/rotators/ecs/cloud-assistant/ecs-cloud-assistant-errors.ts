/**
 * What can go wrong running a command through Cloud Assistant, beside the
 * API's own errors (ApiError, e.g. `InvalidInstance.NotFound`): the command
 * could not run or was stopped, or it had not finished when the rotation
 * step's time ran out. Messages name the instance and the invocation, never
 * a value.
 */
import { RotorError } from "@rotor/cloud-api";

/** Cloud Assistant could not run the command to its end (timeout, agent down, file not delivered). */
export class EcsCloudAssistantError extends RotorError {
  override name = "EcsCloudAssistantError";
  constructor(
    readonly instanceId: string,
    readonly invokeId: string,
    readonly status: string,
    readonly errorCode: string,
    what: string,
    detail: string,
  ) {
    super(
      `${what} on instance ${instanceId} (invocation ${invokeId}) ended ${status}${errorCode ? ` (${errorCode})` : ""}: ${detail || "no detail"}`,
    );
  }
}

/** The step's deadline came while Cloud Assistant was still working. */
export class EcsCloudAssistantDeadlineError extends RotorError {
  override name = "EcsCloudAssistantDeadlineError";
  constructor(
    readonly instanceId: string,
    readonly invokeId: string,
    what: string,
  ) {
    super(
      `${what} on instance ${instanceId} (invocation ${invokeId}) had not finished when the rotation step's deadline came; it may still complete on the instance, and a re-run of the step repeats it`,
    );
  }
}

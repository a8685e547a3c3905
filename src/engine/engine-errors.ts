/**
 * Why a rotation did not run or stopped. Each names the secret and, where
 * one exists, the rotation's token, never a value.
 */
import { RotorError } from "../errors.ts";

/** Another invocation holds the secret's rotation lease. */
export class RotationInProgressError extends RotorError {
  override name = "RotationInProgressError";
  readonly secretName: string;
  readonly versionId: string;
  /** Epoch ms when the holder's lease runs out and another invocation may take the rotation over. */
  readonly leaseExpires: number | undefined;

  constructor(
    secretName: string,
    versionId: string,
    leaseExpires: number | undefined,
    detail: string,
  ) {
    super(
      `Secret ${secretName}: a rotation is in progress (version ${versionId}); ${detail}` +
        (leaseExpires === undefined
          ? ""
          : `; its lease runs until ${new Date(leaseExpires).toISOString()}, after which a new invocation resumes it`),
    );
    this.secretName = secretName;
    this.versionId = versionId;
    this.leaseExpires = leaseExpires;
  }
}

/** A step was asked for a token that the stages in KMS do not allow. */
export class StepRefusedError extends RotorError {
  override name = "StepRefusedError";
}

/** The step could not finish before the invocation's deadline or the lease's end: it stopped cleanly. */
export class DeadlineError extends RotorError {
  override name = "DeadlineError";
}

/** testSecret kept failing: the new value does not work on the target. */
export class TestFailedError extends RotorError {
  override name = "TestFailedError";
}

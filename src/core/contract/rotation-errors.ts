/**
 * Why a rotation did not run or stopped. Each names the secret and, where
 * one exists, the rotation's token, never a value.
 */
import { RotorError } from "@rotor/cloud-api";

/**
 * The rotation can't start now because of something another invocation
 * may be doing at this moment; a later invocation can. A refusal: it
 * changed nothing and is not recorded as a failure of the secret, and an
 * emergency waits it out (src/core/functions/run-rotation.ts).
 */
export class RotationBlockedError extends RotorError {
  override name = "RotationBlockedError";
  readonly secretName: string;
  /** Epoch ms from which the block may be gone, when known. */
  readonly blockedUntil: number | undefined;

  constructor(secretName: string, message: string, blockedUntil: number | undefined) {
    super(message);
    this.secretName = secretName;
    this.blockedUntil = blockedUntil;
  }
}

/** Another invocation holds the secret's rotation lease. */
export class RotationInProgressError extends RotationBlockedError {
  override name = "RotationInProgressError";
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
      secretName,
      `Secret ${secretName}: a rotation is in progress (version ${versionId}); ${detail}` +
        (leaseExpires === undefined
          ? ""
          : `; its lease runs until ${new Date(leaseExpires).toISOString()}, after which a new invocation resumes it`),
      leaseExpires,
    );
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

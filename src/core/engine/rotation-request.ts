/** What a caller asks of the engine, and what it answers. */
import type { Step } from "../contract/rotator-contract.ts";

export interface RotationRequest {
  secretName: string;
  /** Run only this step (orchestrated rotation); absent: all four. */
  step?: Step | undefined;
  /** The rotation's token; required for setSecret, testSecret and finishSecret. */
  versionId?: string | undefined;
  emergency?: boolean | undefined;
  /** Test the current value only; change nothing. */
  dryRun?: boolean | undefined;
  /** End the ACSPrevious value's grace period if it has run out (see grace-period.ts); no rotation. */
  endGracePeriod?: boolean | undefined;
  /** Rotate only if the versions say the secret is due (the scheduler's request; due-confirmation.ts). */
  ifDue?: boolean | undefined;
  /**
   * Milliseconds (0 to 999) to wait before starting: a scheduled rotation's
   * turn within its second (src/core/scheduler/rotation-spread.ts). The FC
   * handler waits; the engine does not read it.
   */
  startAfterMs?: number | undefined;
}

export type RotationOutcome =
  /** All four steps ran: the new version is ACSCurrent. */
  | "rotated"
  /** The one requested step ran. */
  | "step-done"
  /** The token is already ACSCurrent (or another invocation just finished a rotation). */
  | "already-current"
  | "dry-run-passed"
  /** EndGracePeriod: the ACSPrevious value was made unusable on the target. */
  | "grace-ended"
  /** EndGracePeriod: the grace period has not run out yet; nothing changed. */
  | "grace-running"
  /** EndGracePeriod: no ACSPrevious value, no grace to end, or already ended. */
  | "nothing-to-end"
  /** IfDue: the versions say the secret is not due; nothing changed. */
  | "not-due";

export interface RotationResult {
  secretName: string;
  /** The rotation's token (for a dry run, the ACSCurrent version tested). */
  versionId: string;
  outcome: RotationOutcome;
  /** Steps that ran in this invocation, in order. */
  steps: Step[];
  /** True when this invocation carried on a rotation another one left unfinished. */
  resumed: boolean;
}

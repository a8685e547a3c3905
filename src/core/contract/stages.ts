/**
 * The version stages Rotor reads and writes on a secret. KMS owns
 * ACSCurrent and ACSPrevious; the pending stage is where a new value waits
 * until it is proven on the target (a secret may name its own with
 * `rotor:pending-stage`); the lease and revoke stages are Rotor's labels
 * (src/core/engine/rotation-lock.ts, src/core/engine/revoke-marker.ts).
 */

/** The version applications read. */
export const ACS_CURRENT = "ACSCurrent";
/** The version ACSCurrent replaced, usable during the grace period. */
export const ACS_PREVIOUS = "ACSPrevious";
/** Where a new value waits when `rotor:pending-stage` names no other stage. */
export const DEFAULT_PENDING_STAGE = "ACSPending";
/** The label on the version whose rotation a takeover holds. */
export const LEASE_STAGE = "RotorLease";
/** The label an emergency puts on the version whose value leaked. */
export const REVOKE_STAGE = "RotorRevoke";

/** Stages `rotor:pending-stage` may not name: moving them would break the rotation or its records. */
export const RESERVED_STAGES: ReadonlySet<string> = new Set([
  ACS_CURRENT,
  ACS_PREVIOUS,
  LEASE_STAGE,
  REVOKE_STAGE,
]);

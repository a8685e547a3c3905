/**
 * The revoke marker: an emergency rotation's intent, kept in KMS so that it
 * outlives the invocation that received it.
 *
 * An emergency says "the ACSCurrent value leaked": rotate, and once the new
 * value is current, revoke the old one on the target (the rotator's
 * `revoke`). Revoking cannot come before the switch (ACSCurrent must keep
 * working), so without a record a crash between the switch and the revoke
 * left the leaked value valid: the next invocation found nothing to do.
 *
 * So the first thing an emergency writes, before it changes anything, is
 * the record: the version label `RotorRevoke` on the version whose value
 * leaked (the ACSCurrent version it read), then the tag
 * `rotor:revoke-pending` = that version's id. One UpdateSecretVersionStage
 * and one TagResource, in emergencies only; finishSecret removes both after
 * the revoke (label first). In between, every invocation (emergency or
 * scheduled, full or one orchestrated step) reads the tag with the
 * DescribeSecret it makes anyway, so a secret without the marker costs
 * nothing, and one with it is handled before anything else, by where the
 * named version stands now.
 *
 * Why the label: a tag is written by whoever holds kms:TagResource, who may
 * not read or write the secret at all. A forged tag would make Rotor revoke
 * the ACSPrevious value (still in its grace period) at once, or make every
 * rotation an emergency. A version label needs kms:UpdateSecretVersionStage,
 * a writer's right, so a tag naming a version without the label is dropped
 * with a warning and nothing is revoked. An ACSCurrent version that carries
 * the label makes the invocation an emergency even without the tag (seen in
 * the ACSCurrent read, at no cost). A marker written before the label
 * existed is dropped the same way: run the emergency again.
 *
 * Where the named version stands:
 *
 * - still ACSCurrent: the rotation that replaces it has not switched yet
 *   (or not started, or was cancelled). The invocation runs as an emergency
 *   whatever it was asked, so the rotation it starts, takes over or carries
 *   on revokes after its switch.
 * - ACSPrevious, no other rotation pending: the switch happened, the revoke
 *   may not have. Revoke now (revoked = ACSPrevious, current = ACSCurrent;
 *   revoke is idempotent by contract), then remove the marker.
 * - ACSPrevious while a rotation is pending: only possible when that
 *   rotation was claimed by an invocation that read the tags before the
 *   marker existed. Revoking now could race with its setSecret on the same
 *   account (a dual-account rotation puts its new value on the ACSPrevious
 *   account), so the marker is left alone; that rotation replaces the
 *   leaked value itself.
 * - neither (no stage, or no such version): a later rotation already moved
 *   past it, replacing the account or key it held (the built-in rotators'
 *   setSecret replaces the value two rotations old). Nothing is left to
 *   revoke safely (revoke expects the leaked value to be ACSPrevious, and
 *   calling it with another pair could disable a live account), so the
 *   marker is dropped with a warning.
 *
 * A dry run reads the marker but leaves it: it promises to change nothing.
 */
import type { VersionSummary } from "@rotor/cloud-api";
import { ACS_CURRENT, ACS_PREVIOUS, REVOKE_STAGE } from "../contract/stages.ts";

export type RevokeMarkerState =
  /** The version named carries no RotorRevoke label: a tag Rotor did not write; drop it. */
  | { kind: "unproven" }
  /** The leaked version is still ACSCurrent: rotate as an emergency. */
  | { kind: "leaked-still-current" }
  /** The switch happened: revoke ACSPrevious (the leaked version) now. */
  | { kind: "revoke-now"; leakedId: string; currentId: string }
  /** A rotation that did not see the marker is pending: leave the marker to it. */
  | { kind: "rotation-pending"; pendingId: string }
  /** A later rotation moved past the leaked version: drop the marker (and its label, if still on it). */
  | { kind: "stale"; labelled: string | false };

/** Where the version a marker names stands, from a ListSecretVersionIds answer. */
export function revokeMarkerState(
  leakedId: string,
  versions: readonly VersionSummary[],
  pendingStage: string,
): RevokeMarkerState {
  const leaked = versions.find((version) => version.versionId === leakedId);
  if (leaked && !leaked.versionStages.includes(REVOKE_STAGE)) return { kind: "unproven" };
  const labelled = leaked ? leakedId : false;
  if (leaked?.versionStages.includes(ACS_CURRENT)) return { kind: "leaked-still-current" };
  if (!leaked?.versionStages.includes(ACS_PREVIOUS)) return { kind: "stale", labelled };
  const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
  if (!current) return { kind: "stale", labelled };
  // A pending stage left on the current version is a finish cut short, not a rotation in progress.
  const pending = versions.find(
    (version) =>
      version.versionStages.includes(pendingStage) && !version.versionStages.includes(ACS_CURRENT),
  );
  if (pending) return { kind: "rotation-pending", pendingId: pending.versionId };
  return { kind: "revoke-now", leakedId, currentId: current.versionId };
}

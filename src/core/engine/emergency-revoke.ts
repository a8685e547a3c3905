/**
 * The engine's side of an emergency (revoke-marker.ts says why it works
 * this way): the marker written before anything changes, the marker or
 * label found by a later invocation, and the revoke resumed after a crash.
 * Each returns the invocation as it now stands.
 */
import type { SecretValue } from "@rotor/cloud-api";
import { REVOKE_STAGE } from "../contract/stages.ts";
import { auditStep } from "./audit-step.ts";
import { type EngineRuntime, parseValue } from "./engine-runtime.ts";
import { revokeMarkerState } from "./revoke-marker.ts";
import { asEmergency, type Invocation, withRevokeMarker } from "./rotation-invocation.ts";
import { rotatorContext } from "./rotator-context.ts";

/**
 * Acts on an emergency's recorded intent before anything else: revokes a
 * leaked value whose rotation switched but did not revoke, or makes this
 * invocation an emergency while the leaked value is still current.
 */
export async function honourRevokeMarker(
  runtime: EngineRuntime,
  invocation: Invocation & { revokeMarker: string },
): Promise<Invocation> {
  const { secretName, rotator, engineConfig, trail } = invocation;
  const { store, log } = runtime;
  const leakedId = invocation.revokeMarker;
  const versions = await store.listVersions(secretName);
  const state = revokeMarkerState(leakedId, versions, engineConfig.pendingStage);
  if (state.kind === "leaked-still-current") {
    trail.emergency = true;
    return asEmergency(invocation);
  }
  if (state.kind === "rotation-pending") {
    log.warn("revoke-left-to-pending-rotation", {
      secret: secretName,
      leakedVersionId: leakedId,
      pendingVersionId: state.pendingId,
    });
    return invocation;
  }
  if (state.kind === "stale" || state.kind === "unproven") {
    log.warn("revoke-marker-dropped", {
      secret: secretName,
      leakedVersionId: leakedId,
      reason:
        state.kind === "stale"
          ? "a later rotation already replaced the leaked version"
          : `the version it names carries no ${REVOKE_STAGE} label, so Rotor did not write it`,
    });
    await store.removeRevokeMarker(secretName, state.kind === "stale" && state.labelled);
    return withRevokeMarker(invocation, undefined);
  }
  await auditStep(runtime, secretName, "finishSecret", state.currentId, {}, async () => {
    const leaked = await store.readVersion(secretName, state.leakedId);
    const current = await store.readVersion(secretName, state.currentId);
    const revoked: unknown = parseValue(runtime, rotator, leaked, secretName);
    const currentValue: unknown = parseValue(runtime, rotator, current, secretName);
    const ctx = rotatorContext(runtime, asEmergency(invocation), {
      current: state.currentId,
      pending: state.currentId,
      previous: state.leakedId,
    });
    log.info("revoke-resumed", {
      secret: secretName,
      leakedVersionId: state.leakedId,
      currentVersionId: state.currentId,
    });
    await rotator.revoke?.({ revoked, current: currentValue }, ctx);
    await store.removeRevokeMarker(secretName, state.leakedId);
    trail.emergencyRevoked(state.leakedId, state.currentId, true);
  });
  return withRevokeMarker(invocation, undefined);
}

/**
 * An emergency's first writes, before anything changes: the RotorRevoke
 * label on the version whose value leaked (the ACSCurrent it read), then
 * the tag naming it. The label is the proof (see revoke-marker.ts); the
 * tag lets later invocations find it without listing versions. The tag
 * holds one version: an older marker it replaces names a version a
 * pending rotation replaces.
 */
export async function recordLeak<T extends Invocation>(
  runtime: EngineRuntime,
  invocation: T,
  current: SecretValue,
): Promise<T> {
  if (!invocation.emergency) return invocation;
  const labelled = current.versionStages.includes(REVOKE_STAGE);
  if (labelled && invocation.revokeMarker === current.versionId) return invocation;
  await runtime.store.markLeak(invocation.secretName, current, invocation.revokeMarker);
  return withRevokeMarker(invocation, current.versionId);
}

/**
 * A ACSCurrent version Rotor labelled as leaked makes the invocation an
 * emergency even when the tag is gone (removed by hand, or a crash came
 * between the label and the tag): the label alone is Rotor's record.
 */
export function honourRevokeLabel<T extends Invocation>(invocation: T, current: SecretValue): T {
  if (!current.versionStages.includes(REVOKE_STAGE)) return invocation;
  invocation.trail.emergency = true;
  return asEmergency(invocation);
}

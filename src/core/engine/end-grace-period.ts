/**
 * Ending the ACSPrevious value's grace period (grace-period.ts) through
 * the rotator, outside any rotation and without the rotation lock: it
 * touches only the previous value, which no rotation makes current again,
 * and the rotator's work is idempotent. Recorded in `rotor:grace-ended` so
 * the scheduler asks once per previous version.
 */

import { formatDuration } from "../contract/schedule/duration.ts";
import { ACS_CURRENT, ACS_PREVIOUS } from "../contract/stages.ts";
import { GRACE_ENDED_TAG } from "../contract/tags/grace-period.ts";
import { type EngineRuntime, parseValue } from "./engine-runtime.ts";
import type { Invocation } from "./rotation-invocation.ts";
import type { RotationOutcome, RotationResult } from "./rotation-request.ts";
import { rotatorContext } from "./rotator-context.ts";

export async function endGracePeriod(
  runtime: EngineRuntime,
  invocation: Invocation,
): Promise<RotationResult> {
  const { secretName, rotator } = invocation;
  const { store, log, policy } = runtime;
  const versions = await store.listVersions(secretName);
  const staged = (stage: string) =>
    versions.find((version) => version.versionStages.includes(stage))?.versionId;
  const currentId = staged(ACS_CURRENT);
  const previousId = staged(ACS_PREVIOUS);
  const finish = (outcome: RotationOutcome, reason?: string): RotationResult => {
    log.info("grace-period", {
      secret: secretName,
      previousVersionId: previousId,
      outcome,
      ...(reason ? { reason } : {}),
      requestIds: store.takeStepRequestIds(),
    });
    return { secretName, versionId: previousId ?? "", outcome, steps: [], resumed: false };
  };
  if (!rotator.endGrace) {
    return finish("nothing-to-end", `the ${rotator.kind} rotator keeps no grace period`);
  }
  if (currentId === undefined || previousId === undefined || previousId === currentId) {
    return finish("nothing-to-end", "the secret has no ACSPrevious version");
  }
  if (invocation.tags[GRACE_ENDED_TAG] === previousId) {
    return finish("nothing-to-end", "its grace period was already ended");
  }
  // Whatever the tag says: a tagger may not cut the grace period below the deployment's floor.
  const rotatedAt = Date.parse(
    versions.find((version) => version.versionId === currentId)?.createTime ?? "",
  );
  if (!(runtime.now() >= rotatedAt + policy.minGraceMs)) {
    return finish(
      "grace-running",
      `a grace period may not end sooner than ROTOR_MIN_GRACE_PERIOD (${formatDuration(policy.minGraceMs)}) after the rotation`,
    );
  }
  const [current, previous] = await Promise.all([
    store.readVersion(secretName, currentId),
    store.readVersion(secretName, previousId),
  ]);
  const currentValue: unknown = parseValue(runtime, rotator, current, secretName);
  let previousValue: unknown;
  try {
    previousValue = parseValue(runtime, rotator, previous, secretName);
  } catch {
    // A value stored before Rotor managed the secret names nothing to retire.
    return finish("nothing-to-end", `ACSPrevious is not a ${rotator.kind} value`);
  }
  const ctx = rotatorContext(runtime, invocation, {
    current: currentId,
    pending: currentId,
    previous: previousId,
  });
  const outcome = await rotator.endGrace({ previous: previousValue, current: currentValue }, ctx);
  if (!outcome.ended) {
    return finish(
      outcome.endsAt === undefined ? "nothing-to-end" : "grace-running",
      outcome.reason,
    );
  }
  await store.recordGraceEnded(secretName, previousId);
  invocation.trail.graceEnded(previousId, currentId);
  return finish("grace-ended");
}

/**
 * Cancelling a stuck rotation: take the pending stage (and the lease label)
 * off its version so the next rotation starts afresh. Only safe when the
 * target still accepts ACSCurrent: if setSecret already put the pending
 * value on the target (a single-user password change, say), dropping it
 * would leave ACSCurrent naming a value that no longer works. So the
 * current value is tested first (a dry run), and a live lease is respected
 * unless forced. It removes the pending stage whoever stored the version
 * (Rotor, a person, another tool): clearing it is the person's decision,
 * and the audit log records it.
 */
import type { KmsClient } from "@rotor/cloud-api";
import { RotorError } from "@rotor/cloud-api";
import { RotationInProgressError } from "../contract/rotation-errors.ts";
import { LEASE_STAGE } from "../contract/stages.ts";
import { engineConfigFromTags, LEASE_RELEASED_TAG } from "../contract/tags/engine-tags.ts";
import type { JsonLogger } from "./json-logger.ts";
import { isRotorPendingId, leaseOf, leaseRunning } from "./rotation-lock.ts";

export interface CancelOutcome {
  secretName: string;
  /** The pending version taken off, or undefined when nothing was pending. */
  cancelledVersionId: string | undefined;
}

export class CancelRefusedError extends RotorError {
  override name = "CancelRefusedError";
}

export async function cancelRotation(options: {
  kms: KmsClient;
  secretName: string;
  /** Proves ACSCurrent still works on the target (a dry run), or throws. */
  testCurrent: () => Promise<void>;
  /** Cancel even while the lease runs, or when ACSCurrent fails its test. */
  force?: boolean;
  now?: number;
  /** Where the decision is recorded (an audit line, as the engine writes them). */
  log?: JsonLogger | undefined;
}): Promise<CancelOutcome> {
  const { kms, secretName } = options;
  const description = await kms.describeSecret({ secretName, fetchTags: true });
  const tags = Object.fromEntries(description.tags.map((tag) => [tag.key, tag.value]));
  const { pendingStage, leaseMs } = engineConfigFromTags(tags);
  const { versions } = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
  const pending = versions.find((version) => version.versionStages.includes(pendingStage));
  if (!pending) return { secretName, cancelledVersionId: undefined };
  const lease = leaseOf(pending, versions, leaseMs, tags);
  const running = leaseRunning(lease, options.now ?? Date.now());
  if (!options.force && running) {
    throw new RotationInProgressError(
      secretName,
      pending.versionId,
      lease.expiresAt,
      "it may still be running; cancel after its lease or with --force",
    );
  }
  try {
    await options.testCurrent();
  } catch (error) {
    if (!options.force) {
      throw new CancelRefusedError(
        `Secret ${secretName}: not cancelled, because the target refuses ACSCurrent (${(error as Error).message}); the pending version ${pending.versionId} may already be in use there. Resume it with \`rotor rotate ${secretName}\`, or cancel with --force if you are sure.`,
      );
    }
  }
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: pendingStage,
    removeFromVersion: pending.versionId,
  });
  options.log?.info("rotation-cancelled", {
    secret: secretName,
    versionId: pending.versionId,
    writtenByRotor: isRotorPendingId(pending.versionId),
    forced: options.force === true,
    leaseRunning: running,
  });
  const leaseHolder = versions.find((version) => version.versionStages.includes(LEASE_STAGE));
  if (leaseHolder) {
    await kms.updateSecretVersionStage({
      secretName,
      versionStage: LEASE_STAGE,
      removeFromVersion: leaseHolder.versionId,
    });
  }
  // It named the lease of the rotation just cancelled: nothing to say any more.
  if (tags[LEASE_RELEASED_TAG] !== undefined) {
    await kms.untagResource({ secretName, tagKeys: [LEASE_RELEASED_TAG] });
  }
  return { secretName, cancelledVersionId: pending.versionId };
}

/**
 * finishSecret's stage moves, in an order that any crash leaves resumable:
 * ACSPrevious onto the old current version first (for a moment it carries
 * both), then ACSCurrent onto the new version (the commit point), then the
 * pending stage off. A re-run finds the token either still pending (redo
 * what is missing) or current (only the pending stage may be left to
 * remove). ACSPrevious is set explicitly: whether KMS moves it along with
 * ACSCurrent is not documented.
 */
import type { KmsClient } from "@rotor/cloud-api";
import { ApiError } from "@rotor/cloud-api";
import { ACS_CURRENT, ACS_PREVIOUS } from "../contract/stages.ts";

export async function switchToPending(
  kms: KmsClient,
  input: {
    secretName: string;
    oldCurrent: string;
    /** The old current version's stages as last read. */
    oldCurrentStages: readonly string[];
    pendingId: string;
    pendingStage: string;
  },
): Promise<void> {
  const { secretName, pendingId } = input;
  if (!input.oldCurrentStages.includes(ACS_PREVIOUS)) {
    await kms.updateSecretVersionStage({
      secretName,
      versionStage: ACS_PREVIOUS,
      moveToVersion: input.oldCurrent,
    });
  }
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: ACS_CURRENT,
    moveToVersion: pendingId,
  });
  await removePendingStage(kms, secretName, pendingId, [input.pendingStage], input.pendingStage);
}

/** Takes the pending stage off a version that carries it; a rival may have moved it already. */
export async function removePendingStage(
  kms: KmsClient,
  secretName: string,
  versionId: string,
  stages: readonly string[],
  pendingStage: string,
): Promise<void> {
  if (!stages.includes(pendingStage)) return;
  try {
    await kms.updateSecretVersionStage({
      secretName,
      versionStage: pendingStage,
      removeFromVersion: versionId,
    });
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "InvalidParameter")) throw error;
  }
}

/**
 * The invariants a crash campaign checks on a secret, read from KMS.
 * Each returns the problems found (empty: all hold); a problem names
 * versions and stages, never a value.
 */
import type { KmsClient, VersionSummary } from "../../src/cloud-api/kms-client.ts";

/** Alibaba KMS keeps at most this many versions of a secret. */
export const VERSION_CAP = 10;

export const stageHolders = (versions: readonly VersionSummary[], stage: string) =>
  versions.filter((version) => version.versionStages.includes(stage));

export async function listVersions(kms: KmsClient, secretName: string): Promise<VersionSummary[]> {
  return (await kms.listSecretVersionIds({ secretName, includeDeprecated: true })).versions;
}

/** While a rotation may be unfinished: at most one pending version, one lease label, one ACSCurrent. */
export function checkInterrupted(versions: readonly VersionSummary[]): string[] {
  const problems: string[] = [];
  const pending = stageHolders(versions, "ACSPending").length;
  if (pending > 1) problems.push(`${pending} versions are ACSPending`);
  const leases = stageHolders(versions, "RotorLease").length;
  if (leases > 1) problems.push(`${leases} versions carry RotorLease`);
  const current = stageHolders(versions, "ACSCurrent").length;
  if (current !== 1) problems.push(`${current} versions are ACSCurrent`);
  if (versions.length > VERSION_CAP)
    problems.push(`${versions.length} versions kept (cap ${VERSION_CAP})`);
  return problems;
}

/**
 * After a completed rotation: one ACSCurrent other than the one the run
 * started from, nothing pending, no lease left, and ACSPrevious one of
 * `expectedPrevious` (the run's starting ACSCurrent or a version made
 * during the run): an older one there would mean a version was lost.
 */
export function checkRotated(
  versions: readonly VersionSummary[],
  startedFrom: string,
  expectedPrevious: readonly string[],
): string[] {
  const problems = checkInterrupted(versions);
  if (stageHolders(versions, "ACSPending").length > 0)
    problems.push("ACSPending left after the rotation");
  if (stageHolders(versions, "RotorLease").length > 0)
    problems.push("RotorLease left after the rotation");
  const current = stageHolders(versions, "ACSCurrent")[0];
  const previous = stageHolders(versions, "ACSPrevious");
  if (current?.versionId === startedFrom) problems.push("ACSCurrent did not move");
  if (previous.length !== 1 || !expectedPrevious.includes(previous[0]?.versionId ?? "")) {
    problems.push(
      `ACSPrevious is ${previous.map((version) => version.versionId).join(",") || "missing"}, expected ${expectedPrevious.join(" or ")}`,
    );
  }
  return problems;
}

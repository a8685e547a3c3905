/**
 * The values of a secret's abandoned versions: those created after
 * ACSCurrent's version that hold no stage any more. A rotation cancelled
 * with `rotor cancel` leaves its pending version so (KMS keeps versions,
 * it only takes the stage off), and if its setSecret had already run, the
 * target may hold that version's password: in a dual-account rotation the
 * alternate account does. Such a password is one the secret holds, as much
 * as ACSPrevious's, so a rotator may try it to prove an account is the
 * secret's before it changes it; without it, every rotation after such a
 * cancel would be refused.
 *
 * Read only when the usual proofs failed: the common rotation makes none
 * of these calls. Versions older than ACSCurrent are left out (they were
 * ACSCurrent or ACSPrevious once, or abandoned before the target last
 * changed hands), and at most `limit` versions are read, newest first.
 */
import type { RotatorContext } from "./rotator-contract.ts";

/** How many abandoned versions a rotation reads at most. */
export const ABANDONED_VERSIONS_LIMIT = 5;

export async function abandonedVersionData(
  ctx: RotatorContext<unknown>,
  limit = ABANDONED_VERSIONS_LIMIT,
): Promise<string[]> {
  const { versions } = await ctx.kms.listSecretVersionIds({
    secretName: ctx.secretName,
    includeDeprecated: true,
  });
  const current = versions.find((version) => version.versionId === ctx.versionIds.current);
  if (!current) return [];
  // KMS gives creation times to the second: a version of the same second counts.
  const abandoned = versions
    .filter(
      (version) =>
        version.versionStages.length === 0 &&
        version.versionId !== ctx.versionIds.pending &&
        version.createTime >= current.createTime,
    )
    .sort((a, b) => b.createTime.localeCompare(a.createTime))
    .slice(0, limit);
  const data: string[] = [];
  for (const version of abandoned) {
    const { secretData } = await ctx.kms.getSecretValue({
      secretName: ctx.secretName,
      versionId: version.versionId,
    });
    data.push(secretData);
  }
  return data;
}

/**
 * Confirms, from the versions a rotation reads anyway, that a secret the
 * scheduler judged due from its rotation record alone (`IfDue`) is due.
 *
 * A record is never later than the versions, but it can be earlier: a
 * rotation whose record was not written, a value put by hand, or a record
 * replayed by whoever may tag the secret. Judging the versions here, by
 * the scheduler's own rule (src/core/contract/schedule/due.ts), keeps such a secret from
 * being rotated before its policy allows, without the scheduler reading
 * every candidate's versions first. The engine then rewrites the record
 * from the versions, so the next run does not ask again.
 */
import type { VersionSummary } from "@rotor/cloud-api";
import { dueVerdict } from "../contract/schedule/due.ts";
import { ACS_CURRENT } from "../contract/stages.ts";
import { isPolicyProblem, readRotationPolicy } from "../contract/tags/rotation-policy.ts";

/** Why the secret is not due now, or undefined when it is. */
export function notDueReason(
  tags: Readonly<Record<string, string>>,
  versions: readonly VersionSummary[],
  now: number,
): string | undefined {
  const policy = readRotationPolicy(tags);
  if (isPolicyProblem(policy)) return `tag ${policy.tag}: ${policy.message}`;
  const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
  // No ACSCurrent to date: nothing tells the rotation is early.
  if (current === undefined) return undefined;
  const verdict = dueVerdict(policy, Date.parse(current.createTime), now);
  return verdict.due ? undefined : verdict.reason;
}

/**
 * The scheduler's plan: every secret Rotor manages (those tagged
 * `rotor:rotator`), its rotator and function, last and next rotation, and
 * whether it is due now. It makes one ListSecrets call per 100 secrets and
 * one ListSecretVersionIds per secret the listing cannot judge alone
 * (plan-pages.ts: with a rotation record, only those that may be due; the
 * ACSCurrent version's CreateTime is the last rotation, and the ACSPrevious
 * version is the one a `rotor:grace-period` duration protects); it never
 * reads a secret's value.
 * `planSecret` judges one listed secret, for callers that list and read on
 * their own terms (`rotor audit` lists every secret of the account).
 */
import { ApiError, type VersionSummary } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import { previousOccurrence } from "../contract/schedule/cron.ts";
import { dueVerdict } from "../contract/schedule/due.ts";
import { ACS_CURRENT, ACS_PREVIOUS } from "../contract/stages.ts";
import { ROTATOR_TAG } from "../contract/tags/engine-tags.ts";
import { type GraceState, readGraceState } from "../contract/tags/grace-period.ts";
import {
  FUNCTION_TAG,
  isPolicyProblem,
  type PolicyProblem,
  readRotationPolicy,
} from "../contract/tags/rotation-policy.ts";
import { BUILT_IN_KINDS, functionForKind, isBuiltInKind } from "../rotators/rotator-kinds.ts";
import { type TagWeakening, tagWeakenings } from "./tag-weakenings.ts";

export type PlanStatus =
  | "due"
  | "scheduled"
  | "unscheduled"
  | "disabled"
  | "invalid"
  | "unreadable";

export interface PlanEntry {
  secretName: string;
  rotator: string;
  /** The FC function that rotates it: `rotor:function`, or the one functions/ ships for its kind. */
  functionName: string;
  lastRotation: number | undefined;
  nextRotation: number | undefined;
  status: PlanStatus;
  /** Why: the verdict's reason, or the policy problem naming its tag. */
  reason: string;
  problem?: PolicyProblem | undefined;
  /** For schedule policies, when the current (or last) window opened. */
  windowStart?: number | undefined;
  /** The ACSPrevious value's grace period, when `rotor:grace-period` is a duration. */
  grace?: GraceState | undefined;
  /** Tags that turn the rotation off or weaken it (tag-weakenings.ts); empty when none. */
  weakenings: TagWeakening[];
  /** Every tag of the secret, as listed. */
  tags: Readonly<Record<string, string>>;
  /** The ACSCurrent version, when its versions could be listed. */
  currentVersionId?: string | undefined;
  /**
   * Due by its rotation record alone, its versions unread: its rotation is
   * asked for with `IfDue`, and the function confirms from the versions.
   */
  confirmAtRotation?: boolean | undefined;
}

/** A secret as ListSecrets lists it with FetchTags. */
export interface ListedSecret {
  name: string;
  tags: Readonly<Record<string, string>>;
}

export interface PlanSecretOptions {
  now: number;
  /** The limits tags may only narrow. */
  limits: DeployPolicy;
  /**
   * The secret's versions (one ListSecretVersionIds). Not called for a
   * secret whose tags are invalid: nothing it holds would change the verdict.
   */
  readVersions: () => Promise<readonly VersionSummary[]>;
}

/** One managed secret's plan entry, from its listing and its versions. */
export async function planSecret(
  secret: ListedSecret,
  options: PlanSecretOptions,
): Promise<PlanEntry> {
  const { now, limits } = options;
  const rotator = secret.tags[ROTATOR_TAG] ?? "";
  const functionName = functionNameFor(secret.tags);
  const base = {
    secretName: secret.name,
    rotator,
    functionName,
    tags: secret.tags,
    weakenings: tagWeakenings(secret.name, secret.tags, limits),
  };
  const policy = functionName === "" ? unknownKind(rotator) : readRotationPolicy(secret.tags);
  if (isPolicyProblem(policy)) {
    return {
      ...base,
      lastRotation: undefined,
      nextRotation: undefined,
      status: "invalid",
      reason: `${policy.tag}: ${policy.message}`,
      problem: policy,
    };
  }
  let lastRotation: number | undefined;
  let previousVersionId: string | undefined;
  let currentVersionId: string | undefined;
  let weakenings = base.weakenings;
  try {
    const versions = await options.readVersions();
    // The versions' stages tell a revoke marker Rotor wrote from a forged one.
    weakenings = tagWeakenings(secret.name, secret.tags, limits, versions);
    const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
    lastRotation = current ? Date.parse(current.createTime) : undefined;
    currentVersionId = current?.versionId;
    previousVersionId = versions.find((version) =>
      version.versionStages.includes(ACS_PREVIOUS),
    )?.versionId;
  } catch (error) {
    const why =
      error instanceof ApiError
        ? `${error.code} (request ${error.requestId ?? "?"})`
        : (error as Error).name;
    return {
      ...base,
      lastRotation: undefined,
      nextRotation: undefined,
      status: "unreadable",
      reason: `cannot list versions: ${why}`,
    };
  }
  const verdict = dueVerdict(policy, lastRotation ?? 0, now);
  const status: PlanStatus = verdict.due
    ? "due"
    : !policy.enabled
      ? "disabled"
      : verdict.nextRotation === undefined
        ? "unscheduled"
        : "scheduled";
  const windowStart = policy.schedule
    ? previousOccurrence(policy.schedule.cron, now, policy.schedule.zone)
    : undefined;
  return {
    ...base,
    weakenings,
    currentVersionId,
    lastRotation,
    nextRotation: verdict.nextRotation,
    status,
    reason: verdict.reason,
    windowStart,
    grace: readGraceState(secret.tags, previousVersionId, lastRotation, limits.minGraceMs),
  };
}

/** `rotor:function`, or the function functions/ ships for a built-in kind; "" when neither. */
export function functionNameFor(tags: Readonly<Record<string, string>>): string {
  const rotator = tags[ROTATOR_TAG] ?? "";
  return tags[FUNCTION_TAG] ?? (isBuiltInKind(rotator) ? functionForKind(rotator) : "");
}

/** No function ships for a kind of one's own: sending it to `rotate-<kind>` would find none. */
function unknownKind(rotator: string): PolicyProblem {
  return {
    tag: ROTATOR_TAG,
    message: `${JSON.stringify(rotator)} is not a built-in kind (${BUILT_IN_KINDS.join(", ")}); name the function that runs it in ${FUNCTION_TAG}`,
  };
}

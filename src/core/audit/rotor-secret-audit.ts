/**
 * The audit of a secret Rotor manages (tagged `rotor:rotator`), from its
 * listing and one ListSecretVersionIds. The scheduler's own reading
 * decides its rotator, function and whether its tags are valid
 * (plan.ts), its policy (rotation-policy.ts) and when it is due and
 * overdue (overdue.ts); the engine's decides whether its pending version
 * is a rotation under way or one left behind (rotation-lock.ts); the
 * tags rotations leave say how the last one ended (outcome-tags.ts,
 * `rotor:last-failure`). Never reads a value.
 */
import type { VersionSummary } from "@rotor/cloud-api";
import { ApiError, RotorError } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import { formatDuration } from "../contract/schedule/duration.ts";
import { ACS_CURRENT, ACS_PREVIOUS } from "../contract/stages.ts";
import {
  type EngineConfig,
  engineConfigFromTags,
  LAST_FAILURE_TAG,
} from "../contract/tags/engine-tags.ts";
import { OUTCOME_TAGS } from "../contract/tags/outcome-tags.ts";
import {
  isPolicyProblem,
  POLICY_TAGS,
  type RotationPolicy,
  readRotationPolicy,
} from "../contract/tags/rotation-policy.ts";
import { isRotorPendingId, leaseOf } from "../engine/rotation-lock.ts";
import { dueWindow } from "../scheduler/overdue.ts";
import { type ListedSecret, planSecret } from "../scheduler/plan.ts";
import { isThrottling } from "../scheduler/rate-limiter.ts";
import { tagWeakenings } from "../scheduler/tag-weakenings.ts";
import * as found from "./audit-findings.ts";
import {
  type AuditPolicy,
  byUrgency,
  type Finding,
  type PendingRotation,
  type SecretAudit,
  worstStatus,
} from "./secret-audit.ts";

export interface RotorSecretAuditOptions {
  now: number;
  /** The deployment's limits tags are judged by. */
  limits: DeployPolicy;
  /** The secret's versions, deprecated ones included (one ListSecretVersionIds). Called once. */
  readVersions: () => Promise<readonly VersionSummary[]>;
}

export async function auditRotorSecret(
  secret: ListedSecret & { secretType: string },
  options: RotorSecretAuditOptions,
): Promise<SecretAudit> {
  const { now, limits } = options;
  const { name: secretName, tags } = secret;
  // planSecret skips the read for invalid tags; the audit still wants the versions then.
  let reading: Promise<readonly VersionSummary[]> | undefined;
  const readVersions = () => {
    reading ??= options.readVersions();
    return reading;
  };
  const entry = await planSecret(secret, { now, limits, readVersions });
  const findings: Finding[] = [];
  const policy = readRotationPolicy(tags);
  if (entry.problem) findings.push(found.invalidTag(entry.problem.tag, entry.problem.message));
  let engine: EngineConfig | undefined;
  try {
    engine = engineConfigFromTags(tags, limits);
  } catch (error) {
    if (!(error instanceof RotorError)) throw error;
    const tag = /^Tag (rotor:[^:]+):/.exec(error.message)?.[1] ?? "rotor:";
    const message = error.message.replace(/^Tag rotor:[^:]+: /, "");
    findings.push(found.invalidTag(tag, message, "until then every rotation of it is refused"));
  }
  const audit: SecretAudit = {
    secretName,
    secretType: secret.secretType,
    rotator: found.quoted(entry.rotator),
    functionName: entry.functionName === "" ? undefined : found.quoted(entry.functionName),
    policy: isPolicyProblem(policy) ? undefined : auditPolicy(policy, tags),
    lastRotation: undefined,
    nextDue: undefined,
    overdueSince: undefined,
    pending: undefined,
    kmsAutomaticRotation: undefined,
    status: "ok",
    findings,
  };

  // What the tags alone say.
  const schedule = isPolicyProblem(policy) || entry.problem ? undefined : policy;
  if (schedule && !schedule.enabled) findings.push(found.disabledByTag());
  else if (schedule && schedule.intervalMs === undefined && !schedule.schedule) {
    findings.push(found.unscheduled());
  }

  // What the versions say, when they can be read.
  let versions: readonly VersionSummary[] | undefined;
  try {
    versions = await readVersions();
  } catch (error) {
    if (!(error instanceof RotorError)) throw error;
    findings.push(
      found.unreadable(secretName, "ListSecretVersionIds", {
        code: error instanceof ApiError ? error.code : error.name,
        requestId: error instanceof ApiError ? error.requestId : undefined,
        throttled: isThrottling(error),
      }),
    );
  }
  const current = versions?.find((version) => version.versionStages.includes(ACS_CURRENT));
  const storedAt = current ? Date.parse(current.createTime) : undefined;
  if (versions && storedAt !== undefined) {
    // A rotation (Rotor's or a PutSecretValue) leaves the value it replaced as ACSPrevious.
    const rotated = versions.some((version) => version.versionStages.includes(ACS_PREVIOUS));
    audit.lastRotation = rotated ? storedAt : undefined;
    if (!rotated) findings.push(found.neverRotated(secretName, storedAt));
    const window = schedule && dueWindow(schedule, storedAt);
    audit.nextDue = window?.dueAt;
    if (window && now >= window.overdueAt) {
      audit.overdueSince = window.overdueAt;
      findings.push(found.overdue(secretName, { ...window, now }));
    }
  }
  if (versions && engine) {
    audit.pending = pendingRotation(versions, engine, tags, now);
    if (audit.pending?.state === "expired") {
      const { versionId, leaseExpiresAt } = audit.pending;
      findings.push(
        found.stuck(secretName, {
          versionId,
          leaseExpiresAt,
          storedByRotor: isRotorPendingId(versionId),
        }),
      );
    }
  }
  const failure = lastFailure(tags, storedAt);
  if (failure) findings.push(found.failing(secretName, failure));
  // With the versions, a revoke marker Rotor wrote is told from a forged one.
  for (const weakening of tagWeakenings(secretName, tags, limits, versions)) {
    if (weakening.effect !== "off") findings.push(found.fromWeakening(secretName, weakening));
  }
  return finish(audit);
}

function finish(audit: SecretAudit): SecretAudit {
  audit.findings = byUrgency(audit.findings);
  audit.status = worstStatus(audit.findings);
  return audit;
}

function auditPolicy(policy: RotationPolicy, tags: Readonly<Record<string, string>>): AuditPolicy {
  return {
    enabled: policy.enabled,
    interval:
      policy.intervalMs === undefined
        ? undefined
        : found.quoted(tags[POLICY_TAGS.interval] ?? formatDuration(policy.intervalMs)),
    schedule: policy.schedule && found.quoted(policy.schedule.expression),
    window: policy.schedule && formatDuration(policy.schedule.windowMs),
    timezone: policy.schedule && found.quoted(policy.schedule.zone),
  };
}

/** The version under the pending stage, if any, and where its lease stands (as the engine judges it). */
function pendingRotation(
  versions: readonly VersionSummary[],
  engine: EngineConfig,
  tags: Readonly<Record<string, string>>,
  now: number,
): PendingRotation | undefined {
  const pending = versions.find((version) => version.versionStages.includes(engine.pendingStage));
  if (!pending) return undefined;
  const lease = leaseOf(pending, versions, engine.leaseMs, tags);
  return {
    versionId: found.quoted(pending.versionId),
    state: lease.released ? "released" : now < lease.expiresAt ? "held" : "expired",
    leaseExpiresAt: lease.expiresAt,
  };
}

/**
 * How the last rotation failed, from the tags rotations leave: the
 * onFailure function's outcome (`rotor:status=failed`, with its error), or
 * else the engine's last failed attempt (`rotor:last-failure`: time, step,
 * error type). A successful rotation removes both; one left from before
 * the ACSCurrent version was stored (its removal failed) is out of date.
 */
function lastFailure(
  tags: Readonly<Record<string, string>>,
  storedAt: number | undefined,
): { at: string; what: string } | undefined {
  const current = (at: string) => storedAt === undefined || !(Date.parse(at) < storedAt);
  if (tags[OUTCOME_TAGS.status] === "failed") {
    const at = tags[OUTCOME_TAGS.lastAttempt] ?? "an unrecorded time";
    if (current(at)) return { at, what: tags[OUTCOME_TAGS.lastError] ?? "no error recorded" };
  }
  const attempt = /^(\S+) (\S+) (.+)$/.exec(tags[LAST_FAILURE_TAG] ?? "");
  if (attempt && current(attempt[1] as string)) {
    return { at: attempt[1] as string, what: `${attempt[3]} in ${attempt[2]}` };
  }
  return undefined;
}

/**
 * The audit of a secret of a type KMS rotates itself (Rds, RAMCredentials,
 * ECS, PolarDB, Redis): Rotor does not rotate these, so what counts is
 * KMS's own automatic rotation, which ListSecrets does not list and
 * DescribeSecret does (AutomaticRotation, RotationInterval,
 * LastRotationDate, NextRotationDate): one DescribeSecret per secret.
 *
 * Overdue as for Rotor's intervals (overdue.ts): an hour after the next
 * rotation KMS announced, or, when it announces none, after its last
 * rotation (or the secret's creation) plus the interval.
 */
import type { SecretDescription } from "@rotor/cloud-api";
import { ApiError, RotorError } from "@rotor/cloud-api";
import { formatDuration } from "../contract/schedule/duration.ts";
import { ROTATOR_TAG } from "../contract/tags/engine-tags.ts";
import { DEFAULT_WINDOW_MS } from "../contract/tags/rotation-policy.ts";
import type { ListedSecret } from "../scheduler/plan.ts";
import { isThrottling } from "../scheduler/rate-limiter.ts";
import * as found from "./audit-findings.ts";
import { byUrgency, type Finding, type SecretAudit, worstStatus } from "./secret-audit.ts";

/** What the audit shows as the rotator of a secret KMS rotates. */
export const KMS_ROTATOR = "kms";

export interface KmsManagedAuditOptions {
  now: number;
  /** The secret's DescribeSecret (one call). */
  describe: () => Promise<SecretDescription>;
}

export async function auditKmsManagedSecret(
  secret: ListedSecret & { secretType: string; createTime: string },
  options: KmsManagedAuditOptions,
): Promise<SecretAudit> {
  const { now } = options;
  const secretName = secret.name;
  const findings: Finding[] = [];
  if (secret.tags[ROTATOR_TAG] !== undefined)
    findings.push(found.rotorTagOnKmsType(secret.secretType));
  const audit: SecretAudit = {
    secretName,
    secretType: secret.secretType,
    rotator: KMS_ROTATOR,
    functionName: undefined,
    policy: undefined,
    lastRotation: undefined,
    nextDue: undefined,
    overdueSince: undefined,
    pending: undefined,
    kmsAutomaticRotation: undefined,
    status: "ok",
    findings,
  };
  const finish = () => {
    audit.findings = byUrgency(findings);
    audit.status = worstStatus(findings);
    return audit;
  };

  let description: SecretDescription;
  try {
    description = await options.describe();
  } catch (error) {
    if (!(error instanceof RotorError)) throw error;
    findings.push(
      found.unreadable(secretName, "DescribeSecret", {
        code: error instanceof ApiError ? error.code : error.name,
        requestId: error instanceof ApiError ? error.requestId : undefined,
        throttled: isThrottling(error),
      }),
    );
    return finish();
  }

  const state = description.automaticRotation;
  const intervalMs = kmsIntervalMs(description.rotationInterval);
  audit.kmsAutomaticRotation = state === undefined ? undefined : found.quoted(state);
  audit.policy = {
    enabled: state === "Enabled",
    interval:
      intervalMs !== undefined
        ? formatDuration(intervalMs)
        : description.rotationInterval && found.quoted(description.rotationInterval),
  };
  audit.lastRotation = dateOf(description.lastRotationDate);
  const createdAt = dateOf(description.createTime) ?? dateOf(secret.createTime);

  if (state === "Enabled") {
    const since = audit.lastRotation ?? createdAt;
    const dueAt =
      dateOf(description.nextRotationDate) ??
      (since !== undefined && intervalMs !== undefined ? since + intervalMs : undefined);
    audit.nextDue = dueAt;
    if (dueAt !== undefined && now >= dueAt + DEFAULT_WINDOW_MS) {
      audit.overdueSince = dueAt + DEFAULT_WINDOW_MS;
      findings.push(
        found.kmsOverdue(secretName, { dueAt, overdueAt: dueAt + DEFAULT_WINDOW_MS, now }),
      );
    }
  } else if (state === "Disabled") {
    findings.push(found.kmsRotationDisabled(secretName));
  } else if (state === "Invalid") {
    findings.push(found.kmsRotationInvalid(secretName));
  } else {
    findings.push(found.kmsRotationUnknown(state));
  }
  if (audit.lastRotation === undefined && createdAt !== undefined) {
    findings.push(found.kmsNeverRotated(secretName, createdAt));
  }
  return finish();
}

const UNIT_MS = { s: 1000, h: 3_600_000, d: 86_400_000 } as const;

/** KMS writes intervals as `30d`, `720h` or `2592000s`. */
function kmsIntervalMs(text: string | undefined): number | undefined {
  const match = /^(\d{1,10})([dhs])$/.exec(text?.trim() ?? "");
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

function dateOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

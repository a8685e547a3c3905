/**
 * The audit as JSON (`rotor audit --json`): times in ISO 8601 (null when
 * none), ages in seconds, and for each secret its findings with their
 * advice. The summary counts the secrets, and them by headline status.
 */
import type { AccountAudit } from "./account-audit.ts";
import { isoTime } from "./audit-format.ts";
import { countByStatus } from "./audit-summary.ts";
import type { SecretAudit } from "./secret-audit.ts";

export function auditJson(audit: AccountAudit) {
  return {
    auditedAt: isoTime(audit.auditedAt),
    summary: { secrets: audit.secrets.length, byStatus: countByStatus(audit) },
    secrets: audit.secrets.map((secret) => secretJson(secret, audit.auditedAt)),
  };
}

function secretJson(secret: SecretAudit, now: number) {
  const time = (epochMs: number | undefined) => isoTime(epochMs) ?? null;
  return {
    secretName: secret.secretName,
    secretType: secret.secretType,
    rotator: secret.rotator ?? null,
    functionName: secret.functionName ?? null,
    policy: secret.policy
      ? {
          enabled: secret.policy.enabled,
          interval: secret.policy.interval ?? null,
          schedule: secret.policy.schedule ?? null,
          window: secret.policy.window ?? null,
          timezone: secret.policy.timezone ?? null,
        }
      : null,
    kmsAutomaticRotation: secret.kmsAutomaticRotation ?? null,
    lastRotation: time(secret.lastRotation),
    ageSeconds:
      secret.lastRotation === undefined
        ? null
        : Math.max(0, Math.floor((now - secret.lastRotation) / 1000)),
    nextDue: time(secret.nextDue),
    overdueSince: time(secret.overdueSince),
    pending: secret.pending
      ? {
          versionId: secret.pending.versionId,
          state: secret.pending.state,
          leaseExpires: time(secret.pending.leaseExpiresAt),
        }
      : null,
    status: secret.status,
    findings: secret.findings,
  };
}

/**
 * How many secrets an audit found in each status, in the order a reader
 * wants them: `ok` first, then the problems, the most pressing first.
 */
import type { AccountAudit } from "./account-audit.ts";
import { type AuditStatus, type Finding, PROBLEM_STATUSES } from "./secret-audit.ts";

export const STATUS_ORDER: readonly AuditStatus[] = ["ok", ...PROBLEM_STATUSES];

/** Secrets per headline status, every status present (0 when none). */
export function countByStatus(audit: AccountAudit): Record<AuditStatus, number> {
  const counts = Object.fromEntries(STATUS_ORDER.map((status) => [status, 0])) as Record<
    AuditStatus,
    number
  >;
  for (const secret of audit.secrets) counts[secret.status] += 1;
  return counts;
}

/** `3012 secret(s): 2950 ok, 2 stuck, 60 unmanaged`: the statuses found, in order. */
export function summaryLine(audit: AccountAudit): string {
  const counts = countByStatus(audit);
  const found = STATUS_ORDER.filter((status) => counts[status] > 0).map(
    (status) => `${counts[status]} ${status}`,
  );
  return `${audit.secrets.length} secret(s)${found.length > 0 ? `: ${found.join(", ")}` : ""}`;
}

/** Every finding with its secret, the most pressing status first, then by secret name. */
export function everyFinding(audit: AccountAudit): { secretName: string; finding: Finding }[] {
  const rows = audit.secrets.flatMap((secret) =>
    secret.findings.map((finding) => ({ secretName: secret.secretName, finding })),
  );
  const rank = (status: AuditStatus) => STATUS_ORDER.indexOf(status);
  return rows.sort(
    (a, b) =>
      rank(a.finding.status) - rank(b.finding.status) ||
      (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0),
  );
}

/**
 * The audit as a Markdown report (`rotor audit --markdown`), for a
 * compliance record or a ticket: the count of secrets in each status,
 * what to do (each problem with its advice, by status, the most pressing
 * first), then every secret.
 *
 * Tag values and error texts come from whoever tagged a secret or ran a
 * target; a report is read rendered, where such text could plant a link,
 * an image or HTML. Every cell is escaped, Rotor's own text too (its
 * backticks show as written), so no text in it is anything but text.
 */
import type { AccountAudit } from "./account-audit.ts";
import { isoTime, lastRotationText, policyText, spanText } from "./audit-format.ts";
import { countByStatus, everyFinding, STATUS_ORDER } from "./audit-summary.ts";

export function renderAuditMarkdown(audit: AccountAudit): string {
  const counts = countByStatus(audit);
  const lines = [
    "# Rotation audit",
    "",
    `${audit.secrets.length} secret(s) in the account at ${isoTime(audit.auditedAt)}.`,
    "",
    ...table(
      ["Status", "Secrets"],
      STATUS_ORDER.filter((status) => counts[status] > 0).map((status) => [
        status,
        String(counts[status]),
      ]),
    ),
  ];
  const findings = everyFinding(audit);
  if (findings.length > 0) {
    lines.push("", "## What to do");
    for (const status of STATUS_ORDER) {
      const ofStatus = findings.filter(({ finding }) => finding.status === status);
      if (ofStatus.length === 0) continue;
      lines.push(
        "",
        `### ${status} (${ofStatus.length})`,
        "",
        ...table(
          ["Secret", "Problem", "What to do"],
          ofStatus.map(({ secretName, finding }) => [secretName, finding.detail, finding.advice]),
        ),
      );
    }
  }
  lines.push(
    "",
    "## Every secret",
    "",
    ...table(
      ["Secret", "Type", "Rotator", "Policy", "Last rotation", "Age", "Next due", "Status"],
      audit.secrets.map((secret) => [
        secret.secretName,
        secret.secretType,
        secret.rotator ?? "",
        policyText(secret.policy) ?? "",
        lastRotationText(secret) ?? "",
        secret.lastRotation === undefined ? "" : spanText(audit.auditedAt - secret.lastRotation),
        isoTime(secret.nextDue) ?? "",
        secret.status,
      ]),
    ),
  );
  return lines.join("\n");
}

function table(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(header), `|${header.map(() => " --- |").join("")}`, ...rows.map(line)];
}

/** Text that renders as itself in a table cell: Markdown's and HTML's active characters escaped. */
export function escapeCell(text: string): string {
  return text.replace(/[\\`*_[\]<>|!~&#]/g, (char) => `\\${char}`);
}

/**
 * The audit as a terminal table (`rotor audit`): one row per secret, a
 * summary line, then what to do: each problem with its advice, the most
 * pressing first.
 */
import type { AccountAudit } from "./account-audit.ts";
import { isoTime, lastRotationText, policyText, spanText } from "./audit-format.ts";
import { everyFinding, summaryLine } from "./audit-summary.ts";

const HEADER = [
  "SECRET",
  "TYPE",
  "ROTATOR",
  "POLICY",
  "LAST ROTATION",
  "AGE",
  "NEXT DUE",
  "STATUS",
];

export function renderAuditTable(audit: AccountAudit): string {
  const rows = audit.secrets.map((secret) => [
    secret.secretName,
    secret.secretType,
    secret.rotator ?? "-",
    policyText(secret.policy) ?? "-",
    lastRotationText(secret) ?? "-",
    secret.lastRotation === undefined ? "-" : spanText(audit.auditedAt - secret.lastRotation),
    isoTime(secret.nextDue) ?? "-",
    secret.status,
  ]);
  return [...columns([HEADER, ...rows]), summaryLine(audit), ...whatToDo(audit)].join("\n");
}

function whatToDo(audit: AccountAudit): string[] {
  const findings = everyFinding(audit);
  if (findings.length === 0) return [];
  const width = Math.max(...findings.map(({ secretName }) => secretName.length));
  return [
    "",
    `What to do (${findings.length} problem(s), the most pressing first):`,
    ...findings.flatMap(({ secretName, finding }) => [
      `  ${secretName.padEnd(width)}  ${finding.status}: ${finding.detail}`,
      `  ${" ".repeat(width)}  ${finding.advice}`,
    ]),
  ];
}

function columns(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/**
 * How an audit writes times, ages and policies, the same in every form
 * (table, Markdown, JSON, the findings' sentences).
 */
import type { AuditPolicy, SecretAudit } from "./secret-audit.ts";

/** ISO 8601 to the second (`2024-01-01T02:00:00Z`), or undefined. */
export function isoTime(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined) return undefined;
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The last rotation's time, `never` when the value never changed, undefined when unknown. */
export function lastRotationText(secret: SecretAudit): string | undefined {
  if (secret.lastRotation !== undefined) return isoTime(secret.lastRotation);
  return secret.findings.some((finding) => finding.status === "never-rotated")
    ? "never"
    : undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A span rounded down to its largest unit: `45d`, `6h`, `12m`, `0m`. */
export function spanText(ms: number): string {
  const span = Math.max(0, ms);
  if (span >= DAY) return `${Math.floor(span / DAY)}d`;
  if (span >= HOUR) return `${Math.floor(span / HOUR)}h`;
  return `${Math.floor(span / MINUTE)}m`;
}

/**
 * A policy in a few words: `every 30d`, `0 2 * * SUN UTC, 2h window`,
 * `every 7d in 0 2 * * * Asia/Shanghai, 1h window`, `no schedule`; `off`
 * first when scheduled rotation is off (alone when nothing else is set).
 */
export function policyText(policy: AuditPolicy | undefined): string | undefined {
  if (policy === undefined) return undefined;
  const parts: string[] = [];
  if (policy.interval !== undefined) parts.push(`every ${policy.interval}`);
  if (policy.schedule !== undefined) {
    if (policy.interval !== undefined) parts.push("in");
    parts.push(`${policy.schedule} ${policy.timezone ?? "UTC"}, ${policy.window ?? "1h"} window`);
  }
  const rule = parts.join(" ");
  if (!policy.enabled) return rule === "" ? "off" : `off: ${rule}`;
  return rule === "" ? "no schedule" : rule;
}

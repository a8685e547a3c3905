/**
 * Writes docs/reliability.md from a crash campaign's results: what ran,
 * the counts, the kill points covered and every violation.
 */
import type { KindReport } from "./crash-run.ts";

export interface CampaignSummary {
  startedAt: Date;
  durationMs: number;
  seed: number;
  cloudKillRate: number;
  timedKillRate: number;
  reports: KindReport[];
  /** Kinds asked for but not run (no sshd on this machine), with why. */
  skipped: { kind: string; reason: string }[];
  node: string;
}

const count = (n: number) => n.toLocaleString("en-US");

export function totals(summary: CampaignSummary) {
  const sum = (pick: (report: KindReport) => number) =>
    summary.reports.reduce((total, report) => total + pick(report), 0);
  return {
    runs: sum((report) => report.runs),
    rotationKills: sum((report) => report.rotationKills),
    cloudKills: sum((report) => report.cloudKills),
    killPoints: sum((report) => report.killPoints.size),
    violations: sum((report) => report.violations.length),
  };
}

export function renderCampaignSection(summary: CampaignSummary): string {
  const all = totals(summary);
  const rows = summary.reports.map(
    (report) =>
      `| ${report.kind} | ${count(report.runs)} | ${count(report.rotationKills)} | ${count(report.cloudKills)} | ${count(report.finishedFirst)} | ${count(report.resumed)} | ${count(report.recoveryRetries)} | ${report.killPoints.size} | **${report.violations.length}** | ${(report.durationMs / 1000).toFixed(0)} s |`,
  );
  const points = summary.reports.flatMap((report) =>
    [...report.killPoints]
      .sort((a, b) => a[0].localeCompare(b[0], "en", { numeric: true }))
      .map(([point, times]) => `| ${report.kind} | ${point} | ${times} |`),
  );
  const violations = summary.reports.flatMap((report) =>
    report.violations.map(
      (violation) => `- ${report.kind}, run ${violation.run}: ${violation.problem}`,
    ),
  );
  return [
    "## Crash campaign results",
    "",
    `Run on ${summary.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC with Node ${summary.node}, seed ${summary.seed}, in ${(summary.durationMs / 60000).toFixed(1)} minutes:`,
    `**${count(all.runs)} runs, ${count(all.rotationKills)} rotations killed with SIGKILL, ${count(all.cloudKills)} local cloud kills and restarts, ${all.killPoints} distinct kill points, ${all.violations} invariant violations.**`,
    "",
    `Each run kills the rotation (or, in ${Math.round(summary.cloudKillRate * 100)}% of runs, the local cloud) right after the n-th external call is announced (n at random), or after a random time (${Math.round(summary.timedKillRate * 100)}% of runs); then the next invocation runs and the invariants are checked.`,
    "",
    "| rotator | runs | rotations killed | cloud killed | finished before the kill | next invocation resumed | next invocation refused once, then run again | kill points | violations | time |",
    "| ------- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    ...(summary.skipped.length === 0
      ? []
      : ["", ...summary.skipped.map((skip) => `Not run: ${skip.kind} (${skip.reason}).`)]),
    "",
    "Kill points covered (the last external call announced before the kill):",
    "",
    "| rotator | kill point | runs |",
    "| ------- | ---------- | ---: |",
    ...points,
    "",
    violations.length === 0 ? "Violations: none." : "Violations:\n",
    ...violations,
    "",
  ].join("\n");
}

import {
  type AccountAudit,
  type AuditPhase,
  auditAccount,
  DEFAULT_AUDIT_QPS,
  LIST_PAGE_SIZE,
} from "../../audit/account-audit.ts";
import { auditJson } from "../../audit/audit-json.ts";
import { renderAuditMarkdown } from "../../audit/audit-markdown.ts";
import { renderAuditTable } from "../../audit/audit-table.ts";
import { PROBLEM_STATUSES, type ProblemStatus } from "../../audit/secret-audit.ts";
import { KmsClient } from "../../clients/kms-client.ts";
import { deployPolicyFromEnv } from "../../config/deploy-policy.ts";
import { envCredentials } from "../../handler/env-credentials.ts";
import { type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags, UsageError } from "../parse-flags.ts";
import { type Progress, progressReporter } from "../progress.ts";

export const auditCommand: Command = {
  name: "audit",
  summary: "List every secret in the account, who rotates it, and what to do about each problem",
  help: `Usage: rotor audit [--json | --markdown] [--fail-on LIST] [--qps N]

Lists every secret in KMS, managed by Rotor or not: its type, rotator
(rotor:rotator; kms for a type KMS rotates itself), policy (interval,
schedule, window), last rotation and its age, when it is next due, and its
status:
  ok             nothing to do
  stuck          a pending version outlived its lease: a rotation was
                 interrupted and nothing resumed it
  failing        the last rotation failed (rotor:status, rotor:last-failure;
                 KMS's AutomaticRotation Invalid)
  overdue        the window its policy gave for a rotation closed without one
                 (an interval alone: an hour after it ran out)
  invalid        a rotor: tag is wrong: the scheduler skips the secret, or
                 its rotations are refused
  unreadable     its versions or description could not be read
  disabled       rotor:enabled=false, or KMS's automatic rotation is off
  never-rotated  its value never changed since it was stored
  weakened       a tag weakens its rotation (see rotor plan --help)
  unscheduled    managed by Rotor with no rotor:interval or rotor:schedule
  unmanaged      a generic secret nothing rotates
  deleting       in KMS's recovery window
A secret with several problems shows the most pressing (this order);
below the table each problem is listed with one line of advice naming the
command or tag that fixes it. Tags are judged by this environment's limits
(ROTOR_MAX_LEASE, ROTOR_PASSWORD_MIN_LENGTH, ...; docs/security.md).

It lists the account with ListSecrets (100 a page, tags included) and
makes at most one more call per secret: ListSecretVersionIds for a secret
Rotor manages, DescribeSecret for a type KMS rotates (Rds, RAMCredentials,
ECS, PolarDB, Redis), none for the others. It reads no value. Progress goes
to stderr when the account holds more than ${LIST_PAGE_SIZE} secrets.

Options:
  --json              one JSON object: auditedAt, summary (secrets per
                      status), secrets (each with its findings and advice)
  --markdown          a Markdown report: counts, what to do, every secret
  --fail-on LIST      exit 3 when any secret has one of these problems, as
                      its status or among its others (comma-separated
                      statuses above, or "any" for every one)
  --qps N             KMS calls per second at most (default ${DEFAULT_AUDIT_QPS}; KMS
                      allows an account 40 for listing and describing secrets)
  -h, --help          show this help

Where and who: ROTOR_ENDPOINT and the ALIBABA_CLOUD_* variables; it needs
kms:ListSecrets, and kms:ListSecretVersionIds and kms:DescribeSecret on the
secrets (a secret it may not read shows as unreadable).
Exit codes: 0 audited, 1 the account could not be listed, 2 bad command
line, 3 --fail-on matched (the output is printed in full first).`,

  async run(args, io) {
    const { values } = parseFlags(args, {
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      "fail-on": { type: "string" },
      qps: { type: "string" },
    });
    if (values.json && values.markdown) throw new UsageError("give --json or --markdown, not both");
    const failOn = values["fail-on"] === undefined ? undefined : parseFailOn(values["fail-on"]);
    const kmsQps = integerFlag(values.qps, "--qps", 1, 10_000);
    const kms = new KmsClient({ credentials: envCredentials(io.env), env: io.env });
    const progress = phasedProgress();
    let audit: AccountAudit;
    try {
      audit = await auditAccount({
        kms,
        kmsQps,
        limits: deployPolicyFromEnv(io.env),
        onProgress: progress.update,
      });
    } finally {
      progress.finish();
    }
    if (values.json) io.out(JSON.stringify(auditJson(audit), null, 2));
    else if (values.markdown) io.out(renderAuditMarkdown(audit));
    else io.out(renderAuditTable(audit));
    if (failOn === undefined) return EXIT.ok;
    const matched = audit.secrets.filter((secret) =>
      secret.findings.some((finding) => failOn.has(finding.status)),
    );
    if (matched.length === 0) return EXIT.ok;
    const statuses = PROBLEM_STATUSES.filter(
      (status) =>
        failOn.has(status) &&
        matched.some((secret) => secret.findings.some((finding) => finding.status === status)),
    );
    io.err(
      `rotor audit: ${matched.length} secret(s) with ${statuses.join(", ")} (--fail-on ${values["fail-on"]})`,
    );
    return EXIT.findings;
  },
};

/** `overdue,failing` or `any`; an unknown or empty status is a usage error naming the flag. */
function parseFailOn(text: string): Set<ProblemStatus> {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) throw new UsageError("--fail-on expects statuses, e.g. overdue,failing");
  if (names.includes("any")) return new Set(PROBLEM_STATUSES);
  for (const name of names) {
    if (!(PROBLEM_STATUSES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--fail-on: unknown status ${JSON.stringify(name)}; expected any or ${PROBLEM_STATUSES.join(", ")}`,
      );
    }
  }
  return new Set(names as ProblemStatus[]);
}

/** Progress on stderr per phase (listing, then reading), only for accounts beyond one page. */
function phasedProgress() {
  let shown: { phase: AuditPhase; reporter: Progress } | undefined;
  return {
    update(phase: AuditPhase, done: number, total: number) {
      if (total <= LIST_PAGE_SIZE) return;
      if (shown?.phase !== phase) {
        shown?.reporter.finish();
        shown = {
          phase,
          reporter: progressReporter(phase === "listing" ? "listing secrets" : "auditing"),
        };
      }
      shown.reporter.update(done, total);
    },
    finish() {
      shown?.reporter.finish();
    },
  };
}

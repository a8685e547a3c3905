import { deployPolicyFromEnv } from "@rotor/core";
import { KmsClient } from "@rotor/core/cloud-api";
import { type PlanEntry, planRotations } from "@rotor/core/scheduler";
import { type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags } from "../parse-flags.ts";
import { progressReporter } from "../progress.ts";

export const planCommand: Command = {
  name: "plan",
  summary: "List every managed secret with its rotator, last and next rotation, and status",
  help: `Usage: rotor plan [--json] [--due] [--qps N]

Lists every secret tagged rotor:rotator: its rotator and FC function, when
it last rotated (the ACSCurrent version's creation time), when it next
will, and its status:
  due          the scheduler would rotate it now
  scheduled    it has a next rotation time
  unscheduled  no rotor:interval or rotor:schedule (manual rotation only)
  disabled     rotor:enabled is false
  invalid      a rotor: tag is wrong (the reason names it)
  unreadable   its versions could not be listed
Secret values are never read. With --json, graceEnds and graceEnded say
when the ACSPrevious value's grace period (a rotor:grace-period duration)
ends and whether Rotor has ended it yet (null: no such grace period).

Below the table, each tag that turns a secret's rotation off or weakens it
is listed with its effect: off (rotor:enabled=false), weakened (allowed,
but weaker than Rotor's default), bounded (asked for less than this
deployment allows; Rotor caps, raises or ignores it), refused (the next
rotation will fail). The limits are read from this environment
(ROTOR_MAX_LEASE, ROTOR_PASSWORD_MIN_LENGTH, …; docs/security.md). With
--json, each entry's weakenings lists them.

Options:
  --json      one JSON array instead of a table
  --due       only the secrets that are due now
  --qps N     KMS calls per second at most (default 100)
  -h, --help  show this help

Where and who: ROTOR_ENDPOINT and the ALIBABA_CLOUD_* variables.
Progress goes to stderr for large fleets.`,

  async run(args, io) {
    const { values } = parseFlags(args, {
      json: { type: "boolean" },
      due: { type: "boolean" },
      qps: { type: "string" },
    });
    const kmsQps = integerFlag(values.qps, "--qps", 1, 10_000);
    const kms = new KmsClient({ env: io.env });
    const progress = progressReporter("planning");
    const plan = await planRotations({
      kms,
      kmsQps,
      policy: deployPolicyFromEnv(io.env),
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.finish();
    const shown = values.due ? plan.filter((entry) => entry.status === "due") : plan;
    if (values.json) {
      io.out(JSON.stringify(shown.map(toJson), null, 2));
      return EXIT.ok;
    }
    io.out(renderTable(shown));
    return EXIT.ok;
  },
};

function toJson(entry: PlanEntry) {
  return {
    secretName: entry.secretName,
    rotator: entry.rotator,
    functionName: entry.functionName,
    lastRotation: time(entry.lastRotation),
    nextRotation: time(entry.nextRotation),
    status: entry.status,
    reason: entry.reason,
    graceEnds: time(entry.grace?.endsAt),
    graceEnded: entry.grace?.ended ?? null,
    weakenings: entry.weakenings,
  };
}

function time(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : new Date(epochMs).toISOString().replace(".000Z", "Z");
}

function renderTable(entries: PlanEntry[]): string {
  const header = ["SECRET", "ROTATOR", "LAST ROTATION", "NEXT ROTATION", "STATUS", "REASON"];
  const rows = entries.map((entry) => [
    entry.secretName,
    entry.rotator,
    time(entry.lastRotation) ?? "-",
    time(entry.nextRotation) ?? "-",
    entry.status,
    entry.reason,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    `${entries.length} secret(s)`,
    ...renderWeakenings(entries),
  ].join("\n");
}

/** One line per weakening tag, after a blank line and a heading; nothing when there is none. */
function renderWeakenings(entries: PlanEntry[]): string[] {
  const rows = entries.flatMap((entry) =>
    entry.weakenings.map((found) => [
      entry.secretName,
      `${found.tag}=${found.value}`,
      `${found.effect}: ${found.says}`,
    ]),
  );
  if (rows.length === 0) return [];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return [
    "",
    "Tags that turn rotation off or weaken it:",
    ...rows.map(([secret, tag, effect]) =>
      `  ${(secret ?? "").padEnd(widths[0] ?? 0)}  ${(tag ?? "").padEnd(widths[1] ?? 0)}  ${effect}`.trimEnd(),
    ),
  ];
}

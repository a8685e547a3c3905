import { scrubUntrustedText } from "@rotor/core";
import { KmsClient } from "@rotor/core/cloud-api";
import { LAST_FAILURE_TAG } from "@rotor/core/engine";
import { envCredentials } from "@rotor/core/functions";
import { OUTCOME_TAGS } from "@rotor/core/scheduler";
import { type Command, EXIT } from "../command.ts";
import { parseFlags, UsageError } from "../parse-flags.ts";

/** One entry of a secret's history, oldest first. */
export interface HistoryEntry {
  at: string;
  kind: "version" | "rotation" | "lease-claim" | "failure" | "outcome";
  versionId?: string | undefined;
  stages?: string[] | undefined;
  detail: string;
}

export const historyCommand: Command = {
  name: "history",
  summary: "Show a secret's rotations, takeovers and recorded outcomes, oldest first",
  help: `Usage: rotor history <secret> [--json]

Reconstructs what happened to a secret from what KMS keeps (at most 10
versions): each version with its creation time and stages, rotations made by
Rotor (version ids rotor-<hash>-<attempt>), lease claims of rotations taken
over after a crash (<id>.lease-<n>), the last failed attempt
(rotor:last-failure) and the last recorded outcome (rotor:status,
rotor:last-attempt, rotor:last-error). Every step of every rotation is also
logged as one JSON line by the function (FC's logs). Never prints a value.

Options:
  --json      print the entries as a JSON array
  -h, --help  show this help

Exit codes: 0 shown, 1 the secret could not be read, 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(args, { json: { type: "boolean" } }, true);
    const [secretName, ...extra] = positionals;
    if (secretName === undefined) throw new UsageError("name the secret");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const kms = new KmsClient({ credentials: envCredentials(io.env), env: io.env });
    const entries = await secretHistory(kms, secretName);
    if (values.json) {
      io.out(JSON.stringify(entries, null, 2));
      return EXIT.ok;
    }
    io.out(`${secretName}: ${entries.length} event(s), oldest first`);
    for (const entry of entries) {
      const stages = entry.stages?.length ? ` [${entry.stages.join(", ")}]` : "";
      io.out(
        `  ${entry.at}  ${entry.kind.padEnd(11)}  ${entry.versionId ?? ""}${stages}  ${entry.detail}`.trimEnd(),
      );
    }
    return EXIT.ok;
  },
};

export async function secretHistory(kms: KmsClient, secretName: string): Promise<HistoryEntry[]> {
  const description = await kms.describeSecret({ secretName, fetchTags: true });
  // Anyone with TagResource chose these values, and Rotor's own quote targets: one clean line each.
  const tags = Object.fromEntries(
    description.tags.map((tag) => [tag.key, scrubUntrustedText(tag.value, { maxLength: 256 })]),
  );
  const { versions } = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
  const entries: HistoryEntry[] = versions.map((version) => {
    const lease = /^(.+)\.lease-(\d+)$/.exec(version.versionId);
    const rotation = /^rotor-[0-9a-f]+-(\d+)$/.exec(version.versionId);
    const base = {
      at: version.createTime,
      versionId: version.versionId,
      stages: version.versionStages,
    };
    if (lease)
      return {
        ...base,
        kind: "lease-claim",
        detail: `rotation of ${lease[1]} taken over (claim ${lease[2]})`,
      };
    if (rotation)
      return {
        ...base,
        kind: "rotation",
        detail: `new value stored by Rotor (attempt ${rotation[1]})`,
      };
    return { ...base, kind: "version", detail: "stored outside Rotor" };
  });
  const failure = /^(\S+) (\S+) (.+)$/.exec(tags[LAST_FAILURE_TAG] ?? "");
  if (failure) {
    entries.push({
      at: failure[1] as string,
      kind: "failure",
      detail: `attempt failed in ${failure[2]}: ${failure[3]}`,
    });
  }
  const status = tags[OUTCOME_TAGS.status];
  if (status !== undefined) {
    const error = tags[OUTCOME_TAGS.lastError];
    entries.push({
      at: tags[OUTCOME_TAGS.lastAttempt] ?? description.updateTime,
      kind: "outcome",
      detail: `rotation ${status}${error ? `: ${error}` : ""}`,
    });
  }
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

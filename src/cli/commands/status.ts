import {
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
  deployPolicyFromEnv,
  scrubUntrustedText,
} from "@rotor/core";
import { KmsClient } from "@rotor/core/cloud-api";
import { engineConfigFromTags, LAST_FAILURE_TAG, leaseOf, ROTATOR_TAG } from "@rotor/core/engine";
import { envCredentials } from "@rotor/core/functions";
import { type TagWeakening, tagWeakenings } from "@rotor/core/scheduler";
import { type Command, EXIT } from "../command.ts";
import { parseFlags, UsageError } from "../parse-flags.ts";

export interface SecretStatus {
  secretName: string;
  rotator: string | undefined;
  versions: { versionId: string; createTime: string; stages: string[] }[];
  lock:
    | { state: "free" }
    | { state: "held" | "expired" | "released"; versionId: string; leaseExpires: string };
  lastRotation:
    | { outcome: "succeeded"; versionId: string; at: string }
    | { outcome: "failed"; at: string; step: string; error: string }
    | { outcome: "never" };
  /** Tags that turn the rotation off or weaken it, judged by this environment's limits. */
  weakenings: TagWeakening[];
}

export const statusCommand: Command = {
  name: "status",
  summary: "Show a secret's versions and stages, its rotation lock and last outcome",
  help: `Usage: rotor status <secret> [--json]

Prints every version of the secret (those without a stage too) with its
creation time and stages, whether a rotation holds the secret (until when
its lease runs, or whether it stopped on a failure and gave the lease up),
how the last rotation ended, and each tag that turns its rotation off or
weakens it (off, weakened, bounded or refused; see rotor plan --help),
judged by the limits in this environment (ROTOR_MAX_LEASE,
ROTOR_PASSWORD_MIN_LENGTH, …). Never prints a value.

Options:
  --json      print the status as JSON
  -h, --help  show this help

Exit codes: 0 shown, 1 the secret could not be read, 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(args, { json: { type: "boolean" } }, true);
    const [secretName, ...extra] = positionals;
    if (secretName === undefined) throw new UsageError("name the secret");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const kms = new KmsClient({ credentials: envCredentials(io.env), env: io.env });
    const status = await secretStatus(kms, secretName, deployPolicyFromEnv(io.env));
    if (values.json) {
      io.out(JSON.stringify(status));
      return EXIT.ok;
    }
    io.out(`${secretName} (rotator: ${status.rotator ?? "none, tag rotor:rotator not set"})`);
    for (const version of status.versions) {
      io.out(
        `  ${version.versionId}  ${version.createTime}  ${version.stages.join(", ") || "(no stage)"}`,
      );
    }
    const { lock, lastRotation } = status;
    io.out(
      lock.state === "free"
        ? "lock: free (no rotation in progress)"
        : lock.state === "held"
          ? `lock: held by the rotation of ${lock.versionId}, lease until ${lock.leaseExpires}`
          : lock.state === "released"
            ? `lock: the rotation of ${lock.versionId} stopped on a failure and gave its lease up; the next invocation resumes it`
            : `lock: the rotation of ${lock.versionId} was interrupted (lease ran out at ${lock.leaseExpires}); the next invocation resumes it`,
    );
    io.out(
      lastRotation.outcome === "succeeded"
        ? `last rotation: succeeded, version ${lastRotation.versionId} created ${lastRotation.at}`
        : lastRotation.outcome === "failed"
          ? `last rotation: FAILED at ${lastRotation.at} in ${lastRotation.step}: ${lastRotation.error}`
          : "last rotation: none yet",
    );
    for (const found of status.weakenings) {
      io.out(`tag ${found.tag}=${found.value}: ${found.effect}: ${found.says}`);
    }
    return EXIT.ok;
  },
};

export async function secretStatus(
  kms: KmsClient,
  secretName: string,
  policy: DeployPolicy = DEFAULT_DEPLOY_POLICY,
): Promise<SecretStatus> {
  const description = await kms.describeSecret({ secretName, fetchTags: true });
  const tags = Object.fromEntries(description.tags.map((tag) => [tag.key, tag.value]));
  const { versions } = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
  let pendingStage = "ACSPending";
  let leaseMs = 15 * 60 * 1000;
  try {
    ({ pendingStage, leaseMs } = engineConfigFromTags(tags, policy));
  } catch {
    // Bad tags are reported by `rotor rotate`; status still shows what it can.
  }
  const pending = versions.find((version) => version.versionStages.includes(pendingStage));
  let lock: SecretStatus["lock"] = { state: "free" };
  if (pending) {
    const lease = leaseOf(pending, versions, leaseMs, tags);
    lock = {
      state: lease.released ? "released" : Date.now() < lease.expiresAt ? "held" : "expired",
      versionId: pending.versionId,
      leaseExpires: new Date(lease.expiresAt).toISOString(),
    };
  }
  const current = versions.find((version) => version.versionStages.includes("ACSCurrent"));
  const rotated = current?.versionId.startsWith("rotor-") ? current : undefined;
  const failure = /^(\S+) (\S+) (\S+)$/.exec(tags[LAST_FAILURE_TAG] ?? "");
  let lastRotation: SecretStatus["lastRotation"] = { outcome: "never" };
  if (rotated)
    lastRotation = { outcome: "succeeded", versionId: rotated.versionId, at: rotated.createTime };
  if (failure && (!rotated || Date.parse(failure[1] as string) >= Date.parse(rotated.createTime))) {
    lastRotation = {
      outcome: "failed",
      at: failure[1] as string,
      step: failure[2] as string,
      error: failure[3] as string,
    };
  }
  // Anyone with TagResource chose the tag values shown: one clean line each.
  const shown = (value: string | undefined) =>
    value === undefined ? undefined : scrubUntrustedText(value, { maxLength: 256 });
  if (lastRotation.outcome === "failed") {
    lastRotation = {
      ...lastRotation,
      at: shown(lastRotation.at) ?? "",
      step: shown(lastRotation.step) ?? "",
      error: shown(lastRotation.error) ?? "",
    };
  }
  return {
    secretName,
    rotator: shown(tags[ROTATOR_TAG]),
    versions: versions.map((version) => ({
      versionId: version.versionId,
      createTime: version.createTime,
      stages: version.versionStages,
    })),
    lock,
    lastRotation,
    weakenings: tagWeakenings(secretName, tags, policy, versions),
  };
}

/**
 * `rotor rotate --tag k=v`: every secret carrying the tag, rotated with
 * bounded concurrency (an emergency after a leaked environment). One
 * secret's failure never stops the others; the summary names each failure
 * and the exit code says whether all went through.
 */

import { deployPolicyFromEnv } from "@rotor/core";
import { ApiError, KmsClient } from "@rotor/core/cloud-api";
import { createJsonLogger } from "@rotor/core/engine";
import { envCredentials, runRotation } from "@rotor/core/functions";
import { rotatorRegistry } from "@rotor/core/rotators";
import { mapBounded } from "@rotor/core/scheduler";
import { cliEventPublisher } from "../cli-events.ts";
import { type CliIo, EXIT } from "../command.ts";
import { UsageError } from "../parse-flags.ts";
import { progressReporter } from "../progress.ts";

export interface FleetRotationResult {
  secretName: string;
  outcome: "rotated" | "dry-run-passed" | "failed";
  versionId?: string | undefined;
  error?: string | undefined;
}

export async function rotateByTag(
  tag: string,
  options: {
    emergency: boolean;
    dryRun: boolean;
    json: boolean;
    timeoutSeconds: number;
    concurrency: number;
    io: CliIo;
  },
): Promise<number> {
  const separator = tag.indexOf("=");
  if (separator <= 0) throw new UsageError(`--tag expects KEY=VALUE, got ${JSON.stringify(tag)}`);
  const key = tag.slice(0, separator);
  const value = tag.slice(separator + 1);
  const { io } = options;
  const credentials = envCredentials(io.env);
  const kms = new KmsClient({ credentials, env: io.env });
  const names: string[] = [];
  // KMS filters AND entries but match any tag for each: check the exact pair here.
  for await (const secret of kms.listAllSecrets({
    filters: [{ key: "TagKey", values: [key] }],
    fetchTags: true,
  })) {
    if (secret.plannedDeleteTime !== undefined) continue;
    if (secret.tags.some((t) => t.key === key && t.value === value)) names.push(secret.secretName);
  }
  if (names.length === 0) {
    io.err(`no secret carries the tag ${key}=${value}`);
    return EXIT.failed;
  }
  const progress = progressReporter(options.emergency ? "emergency rotation" : "rotation");
  const events = cliEventPublisher(io.env, credentials, io.err);
  const results = await mapBounded(
    names,
    options.concurrency,
    async (secretName): Promise<FleetRotationResult> => {
      try {
        const result = await runRotation(
          { secretName, emergency: options.emergency, dryRun: options.dryRun },
          {
            log: createJsonLogger(() => {}),
            credentials,
            deadline: Date.now() + options.timeoutSeconds * 1000,
            kms: { env: io.env },
            policy: deployPolicyFromEnv(io.env),
            rotators: Object.values(rotatorRegistry()),
            events,
          },
        );
        return {
          secretName,
          outcome: result.outcome === "dry-run-passed" ? "dry-run-passed" : "rotated",
          versionId: result.versionId,
        };
      } catch (error) {
        const why =
          error instanceof ApiError
            ? `${error.code} (request ${error.requestId ?? "?"})`
            : `${(error as Error).name}: ${(error as Error).message}`;
        return { secretName, outcome: "failed", error: why };
      }
    },
    (done, total) => progress.update(done, total),
  );
  progress.finish();
  await events?.flush();
  const failed = results.filter((result) => result.outcome === "failed");
  if (options.json) {
    io.out(
      JSON.stringify(
        { tag: { key, value }, total: results.length, failed: failed.length, results },
        null,
        2,
      ),
    );
  } else {
    for (const result of results) {
      io.out(
        result.outcome === "failed"
          ? `  FAILED   ${result.secretName}: ${result.error}`
          : `  ${result.outcome === "rotated" ? "rotated " : "tested  "} ${result.secretName} (version ${result.versionId})`,
      );
    }
    io.out(
      `${results.length - failed.length} of ${results.length} secret(s) tagged ${key}=${value} done, ${failed.length} failed`,
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

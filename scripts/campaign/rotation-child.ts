/**
 * The process a crash campaign kills: one rotation invocation, as a
 * Function Compute instance would run it. It announces each external call
 * on stdout (`call <n> <kind>:<name>`) before making it, so the campaign can
 * kill it right there, and ends with `done <outcome>` or `failed <error
 * name>` (never a message: the campaign's output must hold no secret).
 *
 * Usage: node rotation-child.js '<json: endpoint, credentials, secretName>'
 */
import { createJsonLogger } from "../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../src/core/engine/rotation-engine.ts";
import {
  type CloudAddress,
  campaignCloud,
  campaignPolicy,
  campaignRotators,
} from "./campaign-rotators.ts";

export interface RotationChildInput extends CloudAddress {
  secretName: string;
}

async function runChild(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? "{}") as RotationChildInput;
  let calls = 0;
  const engine = new RotationEngine({
    kms: {
      endpoint: input.endpoint,
      credentials: input.credentials,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    },
    rotators: campaignRotators(),
    cloud: campaignCloud(input),
    policy: campaignPolicy(),
    log: createJsonLogger(() => {}),
    beforeExternalCall(call) {
      calls += 1;
      process.stdout.write(`call ${calls} ${call.kind}:${call.name}\n`);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    testRetryDelayMs: 20,
  });
  try {
    const result = await engine.rotate({ secretName: input.secretName });
    process.stdout.write(`done ${result.outcome}\n`);
  } catch (error) {
    process.stdout.write(`failed ${(error as Error)?.name ?? "unknown"}\n`);
    process.exitCode = 1;
  }
}

await runChild();

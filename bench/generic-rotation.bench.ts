/**
 * One full rotation of a generic secret: how many KMS calls the engine makes
 * (AWS's rotation templates make 14 Secrets Manager calls), and how long it
 * takes against a straight-line script making the same minimal calls in the
 * same run, on the same local cloud. The ratio is the engine's overhead
 * (validation, lock handling, audit lines): the target is at most 1.2.
 */
import { randomUUID } from "node:crypto";
import { KmsClient } from "../src/cloud-api/kms-client.ts";
import { createJsonLogger } from "../src/core/engine/json-logger.ts";
import { RotationEngine } from "../src/core/engine/rotation-engine.ts";
import { DEFAULT_EXCLUDED_CHARACTERS } from "../src/core/rotators/generic/generic-config.ts";
import { rotatorRegistry } from "../src/core/rotators/registry.ts";
import { startLocalCloud } from "../src/local-cloud/embedded.ts";
import type { BenchResult } from "./bench-result.ts";

const ROUNDS = 40;
const WARMUP = 5;

export default async function run(): Promise<BenchResult> {
  const cloud = await startLocalCloud();
  try {
    const options = { endpoint: cloud.endpoint, credentials: cloud.credentials };
    const kms = new KmsClient(options);
    const engineSecret = `bench/engine-${randomUUID()}`;
    const scriptSecret = `bench/script-${randomUUID()}`;
    for (const secretName of [engineSecret, scriptSecret]) {
      await kms.createSecret({
        secretName,
        secretData: JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() }),
        versionId: "v0",
        tags: [{ key: "rotor:rotator", value: "generic" }],
      });
    }
    let kmsCalls = 0;
    const engineRotation = async () => {
      const engine = new RotationEngine({
        kms: options,
        rotators: rotatorRegistry(),
        log: createJsonLogger(() => {}),
        beforeExternalCall: () => {
          kmsCalls++;
        },
      });
      await engine.rotate({ secretName: engineSecret });
    };
    const scriptRotation = () => straightLineRotation(kms, scriptSecret);

    const engineMs: number[] = [];
    const scriptMs: number[] = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // Alternate which goes first so drift in machine load hits both alike.
      const order =
        round % 2 === 0 ? [engineRotation, scriptRotation] : [scriptRotation, engineRotation];
      for (const rotation of order) {
        kmsCalls = 0;
        const started = performance.now();
        await rotation();
        const elapsed = performance.now() - started;
        if (round < WARMUP) continue;
        (rotation === engineRotation ? engineMs : scriptMs).push(elapsed);
      }
    }
    kmsCalls = 0;
    await engineRotation();
    const callsPerRotation = kmsCalls;
    const engineMedian = median(engineMs);
    const scriptMedian = median(scriptMs);
    const ratio = engineMedian / scriptMedian;
    return {
      name: "Generic rotation",
      description: `One full four-step rotation of a JSON generic secret by the engine, against a straight-line script making the same KMS calls; medians of ${ROUNDS} rotations each, on an in-memory local cloud in this process.`,
      lines: [
        `- KMS calls per full rotation: **${callsPerRotation}** (AWS's templates: 14; aim: at most 6)`,
        `- Engine: ${engineMedian.toFixed(1)} ms per rotation (median)`,
        `- Straight-line script, same calls: ${scriptMedian.toFixed(1)} ms per rotation (median)`,
        `- Ratio engine / script: **${ratio.toFixed(2)}** (target at most 1.2)`,
      ],
      numbers: {
        kmsCallsPerRotation: callsPerRotation,
        engineMsPerRotation: engineMedian,
        scriptMsPerRotation: scriptMedian,
        engineToScriptRatio: ratio,
      },
    };
  } finally {
    await cloud.close();
  }
}

/** The same calls the engine makes, with no checks, lock handling or logging. */
async function straightLineRotation(kms: KmsClient, secretName: string): Promise<void> {
  await kms.describeSecret({ secretName, fetchTags: true });
  const current = await kms.getSecretValue({ secretName });
  await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
  const { randomPassword } = await kms.getRandomPassword({
    length: 32,
    excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS,
    requireEachIncludedType: true,
  });
  const value = { ...(JSON.parse(current.secretData) as object), AccountPassword: randomPassword };
  const versionId = randomUUID();
  await kms.putSecretValue({
    secretName,
    versionId,
    secretData: JSON.stringify(value),
    versionStages: ["ACSPending"],
  });
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSPrevious",
    moveToVersion: current.versionId,
  });
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSCurrent",
    moveToVersion: versionId,
  });
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSPending",
    removeFromVersion: versionId,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * 100 concurrent PutSecretValue / UpdateSecretVersionStage calls on one
 * secret, in random mixes (fast-check, so a failure prints its seed), must
 * keep every invariant at every moment a reader can see: each stage label
 * on exactly one version, at most 10 versions, at most 8 labels, and
 * ACSCurrent always present.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import type { KmsClient, VersionSummary } from "../../src/cloud-api/kms-client.ts";
import { uniqueName, useLocalCloud } from "../support/local-cloud.ts";

const cloud = useLocalCloud();

const STAGES = [
  "ACSCurrent",
  "ACSPrevious",
  "ACSPending",
  "S1",
  "S2",
  "S3",
  "S4",
  "S5",
  "S6",
  "S7",
];

type Operation =
  | { kind: "put"; stages: string[] | undefined }
  | { kind: "move"; stage: string; versionPick: number }
  | { kind: "remove"; stage: string; versionPick: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant("put" as const),
    stages: fc.option(fc.uniqueArray(fc.constantFrom(...STAGES), { maxLength: 2 }), {
      nil: undefined,
    }),
  }),
  fc.record({
    kind: fc.constant("move" as const),
    stage: fc.constantFrom(...STAGES),
    versionPick: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("remove" as const),
    stage: fc.constantFrom(...STAGES.slice(2)),
    versionPick: fc.nat(),
  }),
);

/** Refusals the rules allow under contention; anything else fails the test. */
const EXPECTED_REFUSALS = new Set([
  "Rejected.LimitExceeded",
  "Forbidden.ResourceNotFound",
  "InvalidParameter",
]);

function invariantViolations(versions: VersionSummary[]): string[] {
  const problems: string[] = [];
  const holders = new Map<string, number>();
  for (const version of versions) {
    for (const stage of version.versionStages) holders.set(stage, (holders.get(stage) ?? 0) + 1);
  }
  for (const [stage, count] of holders) {
    if (count !== 1) problems.push(`${stage} is on ${count} versions`);
  }
  if (versions.length > 10) problems.push(`${versions.length} versions`);
  if (holders.size > 8) problems.push(`${holders.size} stage labels`);
  if (!holders.has("ACSCurrent")) problems.push("no ACSCurrent");
  return problems;
}

async function runMix(kms: KmsClient, operations: Operation[]): Promise<string[]> {
  const secretName = uniqueName("invariants");
  await kms.createSecret({ secretName, secretData: "v0", versionId: "v0" });
  const problems: string[] = [];
  const knownIds = ["v0"];
  const observe = async () => {
    const { versions } = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
    problems.push(...invariantViolations(versions));
  };
  const run = async (op: Operation, index: number) => {
    try {
      if (op.kind === "put") {
        const versionId = `p${index}`;
        knownIds.push(versionId);
        await kms.putSecretValue({
          secretName,
          secretData: `data-${index}`,
          versionId,
          versionStages: op.stages?.length ? op.stages : undefined,
        });
      } else {
        const versionId = knownIds[op.versionPick % knownIds.length] ?? "v0";
        await kms.updateSecretVersionStage({
          secretName,
          versionStage: op.stage,
          ...(op.kind === "move" ? { moveToVersion: versionId } : { removeFromVersion: versionId }),
        });
      }
    } catch (error) {
      if (!(error instanceof ApiError) || !EXPECTED_REFUSALS.has(error.code)) throw error;
    }
    if (index % 10 === 0) await observe();
  };
  await Promise.all(operations.map(run));
  await observe();
  return problems;
}

describe("stage invariants under 100 concurrent writers on one secret", () => {
  it("hold after every write a reader can observe", async () => {
    const kms = cloud().kmsClient({ retry: { attempts: 1 }, timeoutMs: 60_000 });
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 100, maxLength: 100 }), async (ops) => {
        expect(await runMix(kms, ops)).toEqual([]);
      }),
      { numRuns: 4 },
    );
  }, 240_000);

  it("the invariant checker itself sees a broken state (so the property can fail)", () => {
    const broken: VersionSummary[] = [
      { versionId: "a", createTime: "", versionStages: ["ACSPending"] },
      { versionId: "b", createTime: "", versionStages: ["ACSPending"] },
    ];

    expect(invariantViolations(broken)).toEqual(["ACSPending is on 2 versions", "no ACSCurrent"]);
  });
});

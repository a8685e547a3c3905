/**
 * The rotation record (src/core/contract/tags/rotation-record.ts) is the engine's to
 * write: a rotation that reaches finishSecret signs `rotor:rotated` under
 * the deployment's key, no later than the new ACSCurrent's CreateTime and
 * naming the version it made ACSPrevious; the scheduler then plans the
 * secret from the listing. A rotation that fails writes none, and neither
 * does a function deployed without a key.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRotator, textSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  ROTATED_TAG,
  readRecord,
  versionDigest,
} from "../../../src/core/contract/tags/rotation-record.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

const KEY = Buffer.from("engine-record-key-of-at-least-32-characters");

/** A target that refuses every new value at testSecret. */
const refusingRotator = defineRotator({
  kind: "refusing-target",
  description: "a target that never accepts the new value",
  value: textSecretValue(),
  config: z.object({}).passthrough(),
  async createValue() {
    return `refused-value-${randomUUID()}`;
  },
  async apply() {},
  async test() {
    throw new Error("the target refused the new value");
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([refusingRotator]);
});
afterAll(async () => {
  await harness?.close();
});

async function tagsOf(name: string): Promise<Record<string, string>> {
  const description = await harness.admin.describeSecret({ secretName: name, fetchTags: true });
  return Object.fromEntries(description.tags.map((tag) => [tag.key, tag.value]));
}

describe("the rotation record written at finishSecret", () => {
  it("a rotation signs a record the scheduler's key verifies", async () => {
    // Prepare
    const name = harness.uniqueName("record-written");
    await harness.createSecret({
      name,
      data: "record-initial-value",
      tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    });

    // Act
    const result = await harness.engine({ recordKey: KEY }).rotate({ secretName: name });

    // Assess
    expect(result.outcome).toBe("rotated");
    const versions = await harness.assertConsistent(name);
    const current = versions.find((v) => v.versionStages.includes("ACSCurrent"));
    const previous = versions.find((v) => v.versionStages.includes("ACSPrevious"));
    const record = readRecord(KEY, name, (await tagsOf(name))[ROTATED_TAG]);
    expect(record).toBeDefined();
    expect(record?.rotatedAt).toBeLessThanOrEqual(Date.parse(current?.createTime ?? ""));
    expect(record?.previousDigest).toBe(versionDigest(previous?.versionId ?? ""));
    // Signed for this secret under this key only.
    expect(readRecord(KEY, `${name}-other`, (await tagsOf(name))[ROTATED_TAG])).toBeUndefined();
  });

  it("a rotation that fails writes no record", async () => {
    // Prepare
    const name = harness.uniqueName("record-failed");
    await harness.createSecret({
      name,
      data: "record-initial-value",
      tags: { "rotor:rotator": refusingRotator.kind, "rotor:interval": "30d" },
    });

    // Act
    const attempt = harness.engine({ recordKey: KEY }).rotate({ secretName: name });

    // Assess
    await expect(attempt).rejects.toThrow();
    expect((await tagsOf(name))[ROTATED_TAG]).toBeUndefined();
  });

  it("a function without a key writes no record", async () => {
    // Prepare
    const name = harness.uniqueName("record-keyless");
    await harness.createSecret({
      name,
      data: "record-initial-value",
      tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    });

    // Act
    const result = await harness.engine({ recordKey: undefined }).rotate({ secretName: name });

    // Assess
    expect(result.outcome).toBe("rotated");
    expect((await tagsOf(name))[ROTATED_TAG]).toBeUndefined();
  });
});

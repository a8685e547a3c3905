/**
 * `IfDue`: the scheduler's request to rotate a secret it judged due from
 * its rotation record alone. The function reads the versions anyway, so
 * it confirms there: a secret its versions call not due (rotated since
 * the record was written, or a record replayed by a tagger) is left as it
 * is; one they call due is rotated as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ROTATED_TAG,
  readRecord,
  recordValue,
} from "../../../src/core/contract/tags/rotation-record.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

const DAY_MS = 86_400_000;
const KEY = Buffer.from("if-due-record-key-of-at-least-32-characters");

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe("a rotation asked for IfDue", () => {
  it("changes nothing when the versions say the secret is not due", async () => {
    // Prepare: a monthly secret stored just now.
    const name = harness.uniqueName("if-due-fresh");
    await harness.createSecret({
      name,
      data: "if-due-initial-value",
      tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    });
    const before = await harness.versions(name);

    // Act
    const result = await harness.engine().rotate({ secretName: name, ifDue: true });

    // Assess
    expect(result).toMatchObject({ outcome: "not-due", steps: [] });
    expect(await harness.versions(name)).toEqual(before);
    expect(harness.logLines.some((line) => line.includes('"event":"not-due"'))).toBe(true);
  });

  it("rotates when the versions say the secret is due", async () => {
    // Prepare: the same policy, the engine's clock 31 days on.
    const name = harness.uniqueName("if-due-old");
    await harness.createSecret({
      name,
      data: "if-due-initial-value",
      tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    });

    // Act
    const result = await harness
      .engine({ clockOffsetMs: 31 * DAY_MS })
      .rotate({ secretName: name, ifDue: true });

    // Assess
    expect(result.outcome).toBe("rotated");
    await harness.assertConsistent(name);
  });

  it("rewrites a record earlier than the versions, so the next run plans from the listing", async () => {
    // Prepare: a record replayed from 40 days ago on a secret stored just now.
    const name = harness.uniqueName("if-due-stale");
    await harness.createSecret({
      name,
      data: "if-due-initial-value",
      tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    });
    const stale = recordValue(KEY, name, {
      rotatedAt: Date.now() - 40 * DAY_MS,
      previousDigest: undefined,
    });
    await harness.admin.tagResource({
      secretName: name,
      tags: [{ key: ROTATED_TAG, value: stale }],
    });

    // Act
    const result = await harness
      .engine({ recordKey: KEY })
      .rotate({ secretName: name, ifDue: true });

    // Assess: not rotated; the record now tells the ACSCurrent's own time.
    expect(result.outcome).toBe("not-due");
    const [current] = await harness.versions(name);
    const description = await harness.admin.describeSecret({ secretName: name, fetchTags: true });
    const tag = description.tags.find((each) => each.key === ROTATED_TAG)?.value;
    expect(readRecord(KEY, name, tag)).toEqual({
      rotatedAt: Date.parse(current?.createTime ?? ""),
      previousDigest: undefined,
    });
  });

  it("changes nothing for a secret with no schedule at all", async () => {
    // Prepare
    const name = harness.uniqueName("if-due-unscheduled");
    await harness.createSecret({
      name,
      data: "if-due-initial-value",
      tags: { "rotor:rotator": "generic" },
    });

    // Act
    const result = await harness
      .engine({ clockOffsetMs: 400 * DAY_MS })
      .rotate({ secretName: name, ifDue: true });

    // Assess
    expect(result.outcome).toBe("not-due");
  });
});

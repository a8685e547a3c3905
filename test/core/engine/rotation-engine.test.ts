import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError } from "../../../src/cloud-api/errors.ts";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

/**
 * A rotator whose "target" is a record of what it was asked to do: enough to
 * see what the engine hands a rotator and when (previous values, revoke on
 * emergency), which no real target shows from outside.
 */
const calls: { method: string; secret: string; detail?: string }[] = [];
const recordingRotator = defineRotator({
  kind: "recording",
  description: "records its calls",
  usesPrevious: true,
  value: jsonSecretValue(
    z.object({ User: z.string(), Token: z.string().min(8) }),
    '{"User":"…","Token":"…"}',
  ),
  config: z.object({ "fail-test": z.enum(["true", "false"]).optional() }),
  async createValue(current) {
    return { ...current, Token: randomUUID() };
  },
  async apply({ previous }, ctx) {
    calls.push({
      method: "apply",
      secret: ctx.secretName,
      detail: previous ? "with-previous" : "no-previous",
    });
  },
  async test(_value, ctx) {
    calls.push({ method: "test", secret: ctx.secretName });
    if (ctx.config["fail-test"] === "true") throw new Error("the target refused the value");
  },
  async finish(_values, ctx) {
    calls.push({ method: "finish", secret: ctx.secretName });
  },
  async revoke({ revoked }, ctx) {
    const stages = (await ctx.kms.listSecretVersionIds({ secretName: ctx.secretName })).versions;
    const switched = stages.find((version) =>
      version.versionStages.includes("ACSCurrent"),
    )?.versionId;
    calls.push({
      method: "revoke",
      secret: ctx.secretName,
      detail: `${revoked.User}:${switched === ctx.versionIds.pending ? "after-switch" : "before-switch"}`,
    });
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([recordingRotator]);
});
afterAll(async () => {
  await harness?.close();
});

async function secret(tags: Record<string, string>, data?: string) {
  const name = harness.uniqueName("engine");
  await harness.createSecret({
    name,
    data: data ?? JSON.stringify({ User: "app", Token: randomUUID() }),
    tags,
  });
  return name;
}

describe("rotation engine", () => {
  it("hands the rotator the previous value once there is one, and revokes after the switch in an emergency", async () => {
    // Prepare
    const name = await secret({ "rotor:rotator": "recording" });
    // Act
    await harness.engine().rotate({ secretName: name });
    await harness.engine().rotate({ secretName: name, emergency: true });
    // Assess
    const mine = calls.filter((call) => call.secret === name);
    expect(mine.map((call) => `${call.method}${call.detail ? `:${call.detail}` : ""}`)).toEqual([
      "apply:no-previous",
      "test",
      "finish",
      "apply:with-previous",
      "test",
      "finish",
      "revoke:app:after-switch",
    ]);
    await harness.assertConsistent(name);
  });

  it("keeps ACSPrevious through more rotations than KMS keeps versions", async () => {
    // Prepare
    const name = await secret({ "rotor:rotator": "generic" }, "initial-text-value");
    const ids: string[] = [];
    // Act
    for (let round = 0; round < 12; round++)
      ids.push((await harness.engine().rotate({ secretName: name })).versionId);
    // Assess
    const versions = await harness.assertConsistent(name);
    expect(versions.length).toBeLessThanOrEqual(10);
    const stageOf = (id: string | undefined) =>
      versions.find((version) => version.versionId === id)?.versionStages;
    expect(stageOf(ids[11])).toEqual(["ACSCurrent"]);
    expect(stageOf(ids[10])).toEqual(["ACSPrevious"]);
  });

  it("uses the pending stage named by rotor:pending-stage", async () => {
    // Prepare
    const name = await secret({
      "rotor:rotator": "generic",
      "rotor:pending-stage": "RotorNext",
      "rotor:field": "Token",
    });
    // Act
    const created = await harness.engine().rotate({ secretName: name, step: "createSecret" });
    const during = await harness.versions(name);
    await harness
      .engine()
      .rotate({ secretName: name, step: "finishSecret", versionId: created.versionId });
    // Assess
    expect(
      during.find((version) => version.versionId === created.versionId)?.versionStages,
    ).toEqual(["RotorNext"]);
    await harness.assertConsistent(name, "RotorNext");
  });

  it.each([
    [{ "rotor:rotator": "nope" }, /unknown rotator "nope" \(known: .*recording\)/],
    [{}, /has no rotor:rotator tag/],
    [{ "rotor:rotator": "generic", "rotor:lease": "5s" }, /Tag rotor:lease: must be at least 1m/],
    [
      { "rotor:rotator": "generic", "rotor:pending-stage": "ACSCurrent" },
      /Tag rotor:pending-stage/,
    ],
    [{ "rotor:rotator": "generic", "rotor:test-attempts": "0" }, /Tag rotor:test-attempts/],
    [
      { "rotor:rotator": "generic", "rotor:length": "abc" },
      /tag rotor:length: expected a whole number/,
    ],
    [{ "rotor:rotator": "generic", "rotor:generator": "dice" }, /tag rotor:generator/],
  ])(
    "refuses bad tags %j with an error naming the tag, and writes nothing",
    async (tags, message) => {
      // Prepare
      const name = await secret(tags);
      const before = await harness.versions(name);
      const tagsBefore = (await harness.admin.describeSecret({ secretName: name, fetchTags: true }))
        .tags;
      // Act
      const attempt = harness.engine().rotate({ secretName: name });
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(message);
      expect(await harness.versions(name)).toEqual(before);
      expect(
        (await harness.admin.describeSecret({ secretName: name, fetchTags: true })).tags,
      ).toEqual(tagsBefore);
    },
  );

  it("a dry run tests the current value only and writes nothing, even when the test fails", async () => {
    // Prepare
    const name = await secret({ "rotor:rotator": "recording", "rotor:fail-test": "true" });
    const before = await harness.versions(name);
    // Act
    const attempt = harness.engine().rotate({ secretName: name, dryRun: true });
    // Assess
    await expect(attempt).rejects.toThrow(/the target refused the value/);
    expect(await harness.versions(name)).toEqual(before);
    expect(
      (await harness.admin.describeSecret({ secretName: name, fetchTags: true })).tags,
    ).toHaveLength(2);
  });

  it("retries testSecret, then fails and records it; a later resumed rotation succeeds and clears the record", async () => {
    // Prepare
    const name = await secret({
      "rotor:rotator": "recording",
      "rotor:fail-test": "true",
      "rotor:test-attempts": "2",
    });
    // Act
    const failed = harness.engine().rotate({ secretName: name });
    await expect(failed).rejects.toThrow(/testSecret of version \S+ failed after 2 attempt\(s\)/);
    const recorded = (await harness.admin.describeSecret({ secretName: name, fetchTags: true }))
      .tags;
    await harness.admin.untagResource({ secretName: name, tagKeys: ["rotor:fail-test"] });
    const resumed = await harness
      .engine({ clockOffsetMs: 24 * 3600_000 })
      .rotate({ secretName: name });
    // Assess
    expect(calls.filter((call) => call.secret === name && call.method === "test")).toHaveLength(3);
    expect(recorded.find((tag) => tag.key === "rotor:last-failure")?.value).toMatch(
      / testSecret TestFailedError$/,
    );
    expect(resumed).toMatchObject({ outcome: "rotated", resumed: true });
    const after = (await harness.admin.describeSecret({ secretName: name, fetchTags: true })).tags;
    expect(after.map((tag) => tag.key)).not.toContain("rotor:last-failure");
    await harness.assertConsistent(name);
  });

  it("refuses a bad value with the field and expected shape, never the value", async () => {
    // Prepare
    const token = `tok-${randomUUID()}`;
    const name = await secret({ "rotor:rotator": "recording" }, JSON.stringify({ Token: token }));
    // Act
    const attempt = harness.engine().rotate({ secretName: name });
    // Assess
    await expect(attempt).rejects.toThrow(
      /User: Invalid input: expected string, received undefined.*expected \{"User":"…","Token":"…"\}/,
    );
    await expect(attempt).rejects.not.toThrow(token);
  });

  it("takes an abandoned rotation over only once, however many invocations find it", async () => {
    // Prepare: a rotation left pending by a holder that never came back.
    const name = await secret({ "rotor:rotator": "generic", "rotor:field": "Token" });
    harness.setCloudClock(-3600_000);
    const created = await harness
      .engine({ clockOffsetMs: -3600_000 })
      .rotate({ secretName: name, step: "createSecret" })
      .finally(() => harness.setCloudClock(0));
    // Act: clocks agree again; the lease ran out an hour ago.
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () => harness.engine().rotate({ secretName: name })),
    );
    // Assess
    const resumed = settled.filter((entry) => entry.status === "fulfilled" && entry.value.resumed);
    expect(resumed).toHaveLength(1);
    expect((await harness.admin.getSecretValue({ secretName: name })).versionId).not.toBe(
      undefined,
    );
    const versions = await harness.assertConsistent(name);
    expect(
      versions.filter((version) => version.versionId.startsWith(`${created.versionId}.lease-`)),
    ).toHaveLength(1);
  });
});

/**
 * ROTOR_MIN_GRACE_PERIOD: a `rotor:grace-period` tag may not end the
 * previous value's grace period sooner than the deployment allows. A
 * request to end it earlier (the scheduler's, or anyone's EndGracePeriod)
 * changes nothing and answers grace-running; the rotator is not asked.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../../src/core/contract/deploy-policy.ts";
import { defineRotator, textSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

const MINUTE_MS = 60_000;

/** Previous values this target has stopped accepting, by secret. */
const retired = new Map<string, string[]>();

/** A target whose previous value stays usable until endGrace retires it, once the tag's duration has passed. */
const graceRotator = defineRotator({
  kind: "grace-memory",
  description: "retires the previous value when its grace period ends",
  value: textSecretValue(),
  config: z.object({ "grace-period": z.string().optional() }).passthrough(),
  async createValue() {
    return `grace-value-${randomUUID()}`;
  },
  async apply() {},
  async test() {},
  async endGrace({ previous }, ctx) {
    // The tag's own reading: a duration in seconds, as short as the tagger likes.
    const seconds = Number(/^(\d+)s$/.exec(ctx.config["grace-period"] ?? "")?.[1] ?? Number.NaN);
    if (!(seconds >= 0)) return { ended: false, reason: "no duration" };
    retired.set(ctx.secretName, [...(retired.get(ctx.secretName) ?? []), previous]);
    return { ended: true };
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([graceRotator]);
});
afterAll(async () => {
  await harness?.close();
});

const oneHourAtLeast: DeployPolicy = { ...DEFAULT_DEPLOY_POLICY, minGraceMs: 60 * MINUTE_MS };

describe("rotor:grace-period shorter than ROTOR_MIN_GRACE_PERIOD", () => {
  it("cannot end the grace period before the floor has passed since the rotation", async () => {
    // Prepare
    const name = harness.uniqueName("grace-floor");
    await harness.createSecret({
      name,
      data: "grace-initial-value",
      tags: { "rotor:rotator": graceRotator.kind, "rotor:grace-period": "1s" },
    });
    await harness.engine({ policy: oneHourAtLeast }).rotate({ secretName: name });

    // Act
    const early = await harness
      .engine({ policy: oneHourAtLeast, clockOffsetMs: 10 * MINUTE_MS })
      .rotate({ secretName: name, endGracePeriod: true });
    const retiredEarly = retired.get(name) ?? [];
    const later = await harness
      .engine({ policy: oneHourAtLeast, clockOffsetMs: 61 * MINUTE_MS })
      .rotate({ secretName: name, endGracePeriod: true });

    // Assess
    expect(early.outcome).toBe("grace-running");
    expect(retiredEarly).toEqual([]);
    expect(
      harness.logLines.some(
        (line) =>
          line.includes('"event":"grace-period"') &&
          line.includes(name) &&
          line.includes("ROTOR_MIN_GRACE_PERIOD"),
      ),
    ).toBe(true);
    expect(later.outcome).toBe("grace-ended");
    expect(retired.get(name)).toEqual(["grace-initial-value"]);
  });
});

/**
 * ROTOR_MAX_LEASE: a `rotor:lease` tag may shorten the rotation lease but
 * never lengthen it beyond what the deployment allows. A longer tag is
 * capped (the rotation goes on, so emergencies are not blocked) and the
 * engine says so in a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../../src/core/contract/deploy-policy.ts";
import { RotationInProgressError } from "../../../src/core/contract/rotation-errors.ts";
import { engineConfigFromTags } from "../../../src/core/contract/tags/engine-tags.ts";
import { faultInjector } from "../../../src/testing/fault-injector.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

const MINUTE_MS = 60_000;
let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness();
});
afterAll(async () => {
  await harness?.close();
});

const oneHourAtMost: DeployPolicy = { ...DEFAULT_DEPLOY_POLICY, maxLeaseMs: 60 * MINUTE_MS };

/** A secret whose rotation died right after storing its pending version (the lease is taken). */
async function abandonedRotation(lease: string): Promise<string> {
  const name = harness.uniqueName("lease-cap");
  await harness.createSecret({
    name,
    data: "lease-cap-initial-value",
    tags: { "rotor:rotator": "generic", "rotor:lease": lease },
  });
  const probe = faultInjector();
  await harness.engine({ beforeExternalCall: probe.hook }).rotate({ secretName: name });
  const crashAt = probe.calls.findIndex((call) => call.name === "PutSecretValue") + 2;
  const crashing = harness.engine({
    policy: oneHourAtMost,
    beforeExternalCall: faultInjector(crashAt).hook,
  });
  const second = harness.uniqueName("lease-cap");
  await harness.createSecret({
    name: second,
    data: "lease-cap-initial-value",
    tags: { "rotor:rotator": "generic", "rotor:lease": lease },
  });
  await expect(crashing.rotate({ secretName: second })).rejects.toThrow(/injected crash/);
  return second;
}

describe("rotor:lease beyond ROTOR_MAX_LEASE", () => {
  it("is capped: another invocation takes the rotation over once the capped lease has run out", async () => {
    // Prepare
    const name = await abandonedRotation("7d");

    // Act
    const early = await harness
      .engine({ policy: oneHourAtMost, clockOffsetMs: 30 * MINUTE_MS })
      .rotate({ secretName: name, emergency: true })
      .catch((error: unknown) => error);
    const later = await harness
      .engine({ policy: oneHourAtMost, clockOffsetMs: 61 * MINUTE_MS })
      .rotate({ secretName: name, emergency: true });

    // Assess
    expect(early).toBeInstanceOf(RotationInProgressError);
    const leaseEnds = (early as RotationInProgressError).leaseExpires ?? Number.POSITIVE_INFINITY;
    expect(leaseEnds).toBeLessThanOrEqual(Date.now() + 60 * MINUTE_MS);
    expect(later).toMatchObject({ outcome: "rotated", resumed: true });
    await harness.assertConsistent(name);
    const warnings = harness.logLines.filter(
      (line) => line.includes('"event":"lease-capped"') && line.includes(name),
    );
    expect(warnings.length).toBeGreaterThan(0);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({
      level: "warn",
      tag: "rotor:lease",
      asked: "7d",
      maxLease: "1h",
    });
  });

  it("a shorter tag is kept as it is, and the default lease never exceeds the cap", () => {
    // Act
    const shorter = engineConfigFromTags({ "rotor:lease": "20m" }, oneHourAtMost);
    const capped = engineConfigFromTags({ "rotor:lease": "7d" }, oneHourAtMost);
    const defaultUnderTightCap = engineConfigFromTags(
      {},
      { ...DEFAULT_DEPLOY_POLICY, maxLeaseMs: 5 * MINUTE_MS },
    );

    // Assess
    expect(shorter.leaseMs).toBe(20 * MINUTE_MS);
    expect(shorter.leaseCapped).toBe(false);
    expect(capped.leaseMs).toBe(60 * MINUTE_MS);
    expect(capped.leaseCapped).toBe(true);
    expect(defaultUnderTightCap.leaseMs).toBe(5 * MINUTE_MS);
    expect(defaultUnderTightCap.leaseCapped).toBe(false);
  });
});

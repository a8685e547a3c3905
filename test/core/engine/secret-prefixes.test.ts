/**
 * ROTOR_SECRET_PREFIXES: a function rotates only the secrets whose names its
 * deployment allows. Any other secret is refused before Rotor reads it: no
 * DescribeSecret (whose tags would choose the rotator, webhook or target),
 * no value, and no failure record written on it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../../src/cloud-api/errors.ts";
import {
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../../src/core/contract/deploy-policy.ts";
import { faultInjector } from "../../../src/testing/fault-injector.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness();
});
afterAll(async () => {
  await harness?.close();
});

const onlyTeamA: DeployPolicy = {
  ...DEFAULT_DEPLOY_POLICY,
  secretPrefixes: { any: false, values: ["rotor/generic/team-a/"] },
};

async function tagsOf(secretName: string): Promise<Record<string, string>> {
  const { tags } = await harness.admin.describeSecret({ secretName, fetchTags: true });
  return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
}

describe("secrets outside ROTOR_SECRET_PREFIXES", () => {
  it.each([
    ["a scheduled rotation", {}],
    ["an emergency", { emergency: true }],
    ["a dry run", { dryRun: true }],
    ["an orchestrated step", { step: "setSecret" as const, versionId: "rotor-any-1" }],
    ["a grace ending", { endGracePeriod: true }],
  ])("are refused before any KMS call in %s, and nothing is written", async (_, request) => {
    // Prepare
    const name = harness.uniqueName("rotor/generic/team-b/app");
    await harness.createSecret({
      name,
      data: "team-b-initial-value",
      tags: { "rotor:rotator": "generic" },
    });
    const tagsBefore = await tagsOf(name);
    const versionsBefore = await harness.versions(name);
    const calls = faultInjector();

    // Act
    const attempt = harness
      .engine({ policy: onlyTeamA, beforeExternalCall: calls.hook })
      .rotate({ secretName: name, ...request });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    await expect(attempt).rejects.toThrow(
      `Secret ${name} is outside the prefixes this function rotates (ROTOR_SECRET_PREFIXES: rotor/generic/team-a/); nothing was read`,
    );
    expect(calls.calls).toEqual([]);
    expect(await harness.versions(name)).toEqual(versionsBefore);
    expect(await tagsOf(name)).toEqual(tagsBefore);
  });

  it("are rotated when a prefix matches", async () => {
    // Prepare
    const name = harness.uniqueName("rotor/generic/team-a/app");
    await harness.createSecret({
      name,
      data: "team-a-initial-value",
      tags: { "rotor:rotator": "generic" },
    });

    // Act
    const result = await harness.engine({ policy: onlyTeamA }).rotate({ secretName: name });

    // Assess
    expect(result.outcome).toBe("rotated");
    await harness.assertConsistent(name);
  });
});

/**
 * templates/rotate-generic/policy.json is sufficient and minimal: the
 * rotate-generic function, running as a role with only that policy,
 * completes a rotation of a secret under rotor/generic/; without any one of
 * its actions it is refused with Forbidden.NoPermission; a secret of
 * another kind (the function talks to webhooks: it must never read a
 * server's private key) or outside rotor/ is refused.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { invokeForOutcome } from "./support/invoke-for-outcome.ts";
import {
  actionsARotationCalls,
  DENIED,
  deployAsRole,
  type PolicyDocument,
  renderedPolicy,
  withoutAction,
} from "./support/policy-proof.ts";

describe("the generic rotator's RAM policy", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let policy: PolicyDocument;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    policy = await renderedPolicy("rotate-generic");
    await deployAsRole(cloud, { entry: "rotate-generic", functionName: "rotate-generic", policy });
  });
  afterAll(() => cloud?.close());

  async function newSecret(prefix: string): Promise<string> {
    const name = `${prefix}${randomUUID()}`;
    await kms.createSecret({
      secretName: name,
      secretData: `initial-${randomUUID()}`,
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    return name;
  }

  it("lets the function complete a rotation", async () => {
    const name = await newSecret("rotor/generic/");
    const before = await kms.getSecretValue({ secretName: name });

    const outcome = await invokeForOutcome(cloud, "rotate-generic", { SecretName: name });

    expect(outcome).toMatchObject({ ok: true, output: { SecretName: name, Outcome: "rotated" } });
    const after = await kms.getSecretValue({ secretName: name });
    expect(after.versionId).toBe((outcome as { output: { VersionId: string } }).output.VersionId);
    expect(after.secretData).not.toBe(before.secretData);
  });

  it.each([
    ["another kind's secret", "rotor/ecs-ssh-key/"],
    ["a secret outside rotor/", "other/"],
  ])("refuses %s (%s…)", async (_what, prefix) => {
    const name = await newSecret(prefix);

    const outcome = await invokeForOutcome(cloud, "rotate-generic", { SecretName: name });

    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect((await kms.getSecretValue({ secretName: name })).versionId).toBe("v1");
  });

  it("needs every action a rotation calls", async () => {
    for (const action of actionsARotationCalls(policy)) {
      // Prepare
      const functionName = `rotate-generic-without-${action.replace(":", "-")}`;
      await deployAsRole(cloud, {
        entry: "rotate-generic",
        functionName,
        policy: withoutAction(policy, action),
      });
      const name = await newSecret("rotor/generic/");

      // Act
      const outcome = await invokeForOutcome(cloud, functionName, { SecretName: name });

      // Assess
      expect(outcome, `without ${action}`).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });
    }
  });
});

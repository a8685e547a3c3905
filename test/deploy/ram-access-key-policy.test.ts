/**
 * templates/rotate-ram-access-key/policy.json is sufficient and minimal:
 * the rotate-ram-access-key function, running as a role with only that
 * policy, rotates a RAM user's AccessKey twice (the second rotation must
 * retire the first key to free the user's second slot); without any one
 * action it meets Forbidden.NoPermission; a user outside `rotor-`, a secret
 * of another kind and a secret outside rotor/ are refused.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { createRamUserSecret } from "../core/rotators/ram-access-key/ram-user-secret.ts";
import { invokeForOutcome } from "./support/invoke-for-outcome.ts";
import {
  actionsOf,
  deployAsRole,
  type PolicyDocument,
  renderedPolicy,
  withoutAction,
} from "./support/policy-proof.ts";

/** The secrets this function rotates. */
const OWN_PREFIX = "rotor/ram-access-key/";

/** KMS refuses with Forbidden.NoPermission, RAM with NoPermission (as the real services do). */
const DENIED = /(Forbidden\.)?NoPermission: You are not authorized/;

let cloud: RunningLocalCloud;
let kms: KmsClient;
let ram: RamClient;
let policy: PolicyDocument;

beforeAll(async () => {
  cloud = await startLocalCloud();
  const root = { endpoint: cloud.endpoint, credentials: cloud.credentials };
  kms = new KmsClient(root);
  ram = new RamClient(root);
  policy = await renderedPolicy("rotate-ram-access-key");
});
afterAll(() => cloud?.close());

/** A RAM user with one AccessKey, kept in a secret tagged for this rotator. */
async function newUserSecret(userPrefix: string, secretPrefix: string) {
  const { userName, secretName, value } = await createRamUserSecret(
    { ram, kms },
    { userPrefix, secretPrefix },
  );
  return { userName, secretName, firstKeyId: value.AccessKeyId };
}

/** Two rotations in a row; the first failure, or the outcome of the second. */
async function rotateTwice(functionName: string, secretName: string) {
  const first = await invokeForOutcome(cloud, functionName, { SecretName: secretName });
  if (!first.ok) return first;
  return invokeForOutcome(cloud, functionName, { SecretName: secretName });
}

async function deploy(document: PolicyDocument): Promise<string> {
  const functionName = `rotate-ram-access-key-${randomUUID().slice(0, 8)}`;
  await deployAsRole(cloud, { entry: "rotate-ram-access-key", functionName, policy: document });
  return functionName;
}

describe("the RAM AccessKey rotator's RAM policy", () => {
  it("lets the function rotate a user's key twice, retiring the first key", async () => {
    const functionName = await deploy(policy);
    const { userName, secretName, firstKeyId } = await newUserSecret("rotor-", OWN_PREFIX);

    const outcome = await rotateTwice(functionName, secretName);

    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const keys = await ram.listAccessKeys({ userName });
    expect(keys.map((key) => key.accessKeyId)).not.toContain(firstKeyId);
    const current = JSON.parse((await kms.getSecretValue({ secretName })).secretData);
    expect(keys.map((key) => key.accessKeyId)).toContain(current.AccessKeyId);
  });

  it("refuses a user outside the policy's user name prefix", async () => {
    const functionName = await deploy(policy);
    const { userName, secretName, firstKeyId } = await newUserSecret("app-", OWN_PREFIX);

    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    const keys = await ram.listAccessKeys({ userName });
    expect(keys.map((key) => key.accessKeyId)).toEqual([firstKeyId]);
  });

  it.each([
    ["another kind's secret", "rotor/generic/"],
    ["a secret outside rotor/", "other/"],
  ])("refuses %s (%s…)", async (_what, prefix) => {
    const functionName = await deploy(policy);
    const { secretName } = await newUserSecret("rotor-", prefix);

    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect((await kms.getSecretValue({ secretName })).versionId).toBe("v1");
  });

  it("needs every action a rotation calls", async () => {
    // See generic-policy.test.ts: these serve the engine's recovery paths only.
    const recoveryOnly = new Set([
      "kms:ListSecretVersionIds",
      "kms:TagResource",
      "kms:UntagResource",
    ]);
    for (const action of actionsOf(policy).filter((each) => !recoveryOnly.has(each))) {
      // Prepare
      const functionName = await deploy(withoutAction(policy, action));
      const { secretName } = await newUserSecret("rotor-", OWN_PREFIX);

      // Act
      const outcome = await rotateTwice(functionName, secretName);

      // Assess
      expect(outcome, `without ${action}`).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });
    }
  });
});

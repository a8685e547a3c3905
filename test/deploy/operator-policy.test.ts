/**
 * templates/operator/policy.json is sufficient and minimal: an operator who
 * assumed a role holding only that policy can do the operator's four
 * duties (invoke a rotation function, say for an emergency; `rotor plan`,
 * `rotor status` and `rotor history`), and without any one of its actions
 * one of them is refused with Forbidden.NoPermission. It reads no value
 * (kind-isolation-policy.test.ts proves that for every role).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import {
  actionsOf,
  DENIED,
  type PolicyDocument,
  renderedPolicy,
  withoutAction,
} from "./support/policy-proof.ts";

describe("the operator role's RAM policy", () => {
  let cloud: TestCloud;
  let ram: RamClient;
  let policy: PolicyDocument;
  const secretName = `rotor/generic/${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    cloud = await startTestCloud({ inMemory: true });
    ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    policy = await renderedPolicy("operator");
    await cloud.kms.createSecret({
      secretName,
      secretData: `value-${randomBytes(12).toString("hex")}`,
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    // A stand-in rotation function: only whether a call reaches it matters here.
    cloud.fc.deploy({ name: "rotate-generic", handler: async () => "ok" });
  });
  afterAll(() => cloud?.close());

  /** A role trusting the account's RAM users, holding only `document`, as an operator assumes it. */
  async function operatorSession(document: PolicyDocument) {
    const roleName = `rotor-operator-${randomBytes(3).toString("hex")}`;
    await ram.createRole({
      roleName,
      assumeRolePolicyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { RAM: [`acs:ram::${cloud.accountId}:root`] },
          },
        ],
      }),
    });
    await ram.createPolicy({ policyName: roleName, policyDocument: JSON.stringify(document) });
    await ram.attachPolicyToRole({ policyName: roleName, policyType: "Custom", roleName });
    // The root account may not assume roles: a RAM user does, as an operator would.
    const userName = `on-call-${randomBytes(3).toString("hex")}`;
    await ram.createUser({ userName });
    await ram.createPolicy({
      policyName: userName,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: `acs:ram::${cloud.accountId}:role/${roleName}`,
          },
        ],
      }),
    });
    await ram.attachPolicyToUser({ policyName: userName, userName });
    const key = await ram.createAccessKey({ userName });
    const assumed = await new StsClient({ endpoint: cloud.endpoint, credentials: key }).assumeRole({
      roleArn: `acs:ram::${cloud.accountId}:role/${roleName}`,
      roleSessionName: "operator",
    });
    return assumed.credentials;
  }

  /** The operator's duties as that session; what each answered (a refusal's message, or "ok"). */
  async function duties(document: PolicyDocument): Promise<Record<string, string>> {
    const credentials = await operatorSession(document);
    const env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: credentials.securityToken,
    };
    const cli = async (args: string[]) => {
      const lines: string[] = [];
      const code = await main(args, {
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
        env,
      });
      const text = lines.join("\n");
      return code === 0 && !text.includes("unreadable") ? "ok" : text;
    };
    const invoke = await new FcClient({ endpoint: cloud.endpoint, credentials })
      .invokeSync("rotate-generic", { SecretName: secretName, Emergency: true })
      .then(
        (output) => output,
        (error: Error) => error.message,
      );
    return {
      invoke,
      plan: await cli(["plan", "--json"]),
      status: await cli(["status", secretName]),
      history: await cli(["history", secretName]),
    };
  }

  it("lets an operator invoke a rotation and run plan, status and history", async () => {
    expect(await duties(policy)).toEqual({ invoke: "ok", plan: "ok", status: "ok", history: "ok" });
  });

  it("needs every action it grants", async () => {
    for (const action of actionsOf(policy)) {
      // Act
      const answered = await duties(withoutAction(policy, action));

      // Assess: some duty is refused, for the very action taken out
      const refused = Object.values(answered).filter((answer) => answer !== "ok");
      expect(refused.length, `without ${action}`).toBeGreaterThan(0);
      expect(refused.join("\n"), `without ${action}`).toMatch(DENIED);
      expect(refused.join("\n"), `without ${action}`).toContain(`do ${action} on`);
    }
  });
});

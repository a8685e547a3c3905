/**
 * A rotator's cloud (ctx.cloud) calls as the invocation that runs it: the
 * function role's keys an engine was given, never another invocation's,
 * even when two invocations with different keys run at once in one
 * process (as one FC instance serves several).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AccessKeyCredentials } from "../../../src/cloud-api/credentials.ts";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";
import { createRamUserSecret } from "../rotators/ram-access-key/ram-user-secret.ts";

/** Two invocations meet here: each waits until both have started their step. */
function meetingPoint(parties: number) {
  let arrived = 0;
  let release: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived === parties) release();
    await all;
  };
}

let meet: () => Promise<void> = async () => {};

/** Records, in the value, whom the rotator's STS and RAM clients call as. */
const whoAmIRotator = defineRotator({
  kind: "who-am-i",
  description: "records the identity its cloud clients call as",
  value: jsonSecretValue(z.object({ Caller: z.string() }), '{"Caller":"…"}'),
  config: z.object({}),
  async createValue(_current, ctx) {
    const before = await ctx.cloud.sts().getCallerIdentity();
    await meet();
    // After both invocations have built their clients: still our own.
    const after = await ctx.cloud.sts().getCallerIdentity();
    return { Caller: `${before.arn} ${after.arn}` };
  },
  async apply() {},
  async test() {},
});

let harness: RotationHarness;
let ram: RamClient;

beforeAll(async () => {
  harness = await startRotationHarness([whoAmIRotator]);
  ram = new RamClient({ endpoint: harness.cloud.endpoint, credentials: harness.cloud.credentials });
});
afterAll(async () => {
  await harness?.close();
});

/** A function role FC may assume, with `policyDocument` attached; its STS keys. */
async function functionRole(policyDocument: string) {
  const roleName = `rotor-fn-${randomUUID().slice(0, 8)}`;
  await ram.createRole({
    roleName,
    assumeRolePolicyDocument: JSON.stringify({
      Version: "1",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } },
      ],
    }),
  });
  const policyName = `rotor-fn-policy-${randomUUID().slice(0, 8)}`;
  await ram.createPolicy({ policyName, policyDocument });
  await ram.attachPolicyToRole({ roleName, policyName });
  const credentials: AccessKeyCredentials = await harness.cloud.assumeRoleForService({ roleName });
  return { roleName, credentials };
}

const kmsActions = [
  "kms:DescribeSecret",
  "kms:GetSecretValue",
  "kms:PutSecretValue",
  "kms:UpdateSecretVersionStage",
  "kms:ListSecretVersionIds",
  "kms:TagResource",
];

/** What a rotation function needs for one secret, and RAM rights on one user (if named). */
function rotationPolicy(secretName: string, userName?: string) {
  return JSON.stringify({
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: kmsActions,
        Resource: `acs:kms:*:${harness.cloud.accountId}:secret/${secretName}`,
      },
      ...(userName
        ? [
            {
              Effect: "Allow",
              Action: [
                "ram:ListAccessKeys",
                "ram:CreateAccessKey",
                "ram:UpdateAccessKey",
                "ram:DeleteAccessKey",
              ],
              Resource: `acs:ram:*:${harness.cloud.accountId}:user/${userName}`,
            },
          ]
        : []),
    ],
  });
}

/** A RAM user with one key, and a secret of the RAM rotator holding it. */
function userWithSecret() {
  return createRamUserSecret(
    { ram, kms: harness.admin },
    { userPrefix: "app-", secretPrefix: `${harness.uniqueName("cloud-ram-key")}-` },
  );
}

describe("ctx.cloud", () => {
  it("calls as the invocation's role: the built-in RAM rotator rotates with that role's rights only", async () => {
    // Prepare: the role may touch this user's keys and no other's
    const mine = await userWithSecret();
    const other = await userWithSecret();
    const { credentials } = await functionRole(rotationPolicy(mine.secretName, mine.userName));
    const before = await ram.listAccessKeys({ userName: mine.userName });
    // Act
    const result = await harness.engine({ credentials }).rotate({ secretName: mine.secretName });
    const otherRotation = await harness
      .engine({ credentials: (await functionRole(rotationPolicy(other.secretName))).credentials })
      .rotate({ secretName: other.secretName })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // Assess: the role's RAM rights were used for its user; a role without
    // them is refused by RAM, so the rotator's calls were not made as root
    expect(result.outcome).toBe("rotated");
    const after = await ram.listAccessKeys({ userName: mine.userName });
    expect(after.map((key) => key.accessKeyId)).not.toEqual(before.map((key) => key.accessKeyId));
    await harness.assertConsistent(mine.secretName);
    expect(String(otherRotation)).toMatch(/NoPermission|not authorized|Forbidden/i);
    expect(
      (await harness.admin.getSecretValue({ secretName: other.secretName })).versionStages,
    ).toContain("ACSCurrent");
  });

  it("keeps two concurrent invocations' clients apart: each calls as its own role", async () => {
    // Prepare
    const secrets = [harness.uniqueName("who-am-i"), harness.uniqueName("who-am-i")];
    const roles: { roleName: string; credentials: AccessKeyCredentials }[] = [];
    for (const secretName of secrets) {
      await harness.createSecret({
        name: secretName,
        data: JSON.stringify({ Caller: "nobody yet" }),
        tags: { "rotor:rotator": "who-am-i" },
      });
      roles.push(await functionRole(rotationPolicy(secretName)));
    }
    meet = meetingPoint(2);
    // Act: both invocations are inside createValue together
    try {
      const results = await Promise.all(
        secrets.map((secretName, index) =>
          harness.engine({ credentials: roles[index]?.credentials }).rotate({ secretName }),
        ),
      );
      // Assess
      expect(results.map((result) => result.outcome)).toEqual(["rotated", "rotated"]);
      for (const [index, secretName] of secrets.entries()) {
        const { secretData } = await harness.admin.getSecretValue({ secretName });
        const [before, after] = (JSON.parse(secretData) as { Caller: string }).Caller.split(" ");
        const role = roles[index]?.roleName ?? "";
        expect(before).toMatch(new RegExp(`:assumed-role/${role}/`));
        expect(after).toBe(before);
      }
    } finally {
      meet = async () => {};
    }
  });
});

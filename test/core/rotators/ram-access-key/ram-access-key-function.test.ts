/**
 * The RAM AccessKey rotation function (functions/rotate-ram-access-key)
 * deployed to the local cloud's Function Compute with a RAM role, invoked
 * through the FC API: it calls KMS and RAM as that role, so its policy
 * decides what it may rotate.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../../src/cloud-api/sts-client.ts";
import { FcClient } from "../../../../src/core/scheduler/fc-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../../src/local-cloud/embedded.ts";
import { functionModule } from "../../../../src/local-cloud/fc/local-function.ts";
import { createRamUserSecret } from "./ram-user-secret.ts";

const ENTRY = fileURLToPath(
  new URL("../../../../functions/rotate-ram-access-key/index.ts", import.meta.url),
);

let cloud: RunningLocalCloud;
let ram: RamClient;
let kms: KmsClient;
let fc: FcClient;

beforeAll(async () => {
  cloud = await startLocalCloud();
  const root = { endpoint: cloud.endpoint, credentials: cloud.credentials };
  ram = new RamClient(root);
  kms = new KmsClient(root);
  fc = new FcClient({ ...root, timeoutMs: 60_000 });
});
afterAll(async () => {
  await cloud?.close();
});

/** A user, its key in a secret tagged for this rotator, and a function role with `statements`. */
async function setUp(statements: (secretName: string, userName: string) => object[]) {
  const { userName, secretName, value } = await createRamUserSecret(
    { ram, kms },
    { userPrefix: "svc-", secretPrefix: "ram/" },
  );
  const suffix = randomUUID().slice(0, 8);
  const roleName = `rotate-${suffix}`;
  await ram.createRole({
    roleName,
    assumeRolePolicyDocument: JSON.stringify({
      Version: "1",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } },
      ],
    }),
  });
  const policyName = `rotate-${suffix}`;
  await ram.createPolicy({
    policyName,
    policyDocument: JSON.stringify({ Version: "1", Statement: statements(secretName, userName) }),
  });
  await ram.attachPolicyToRole({ roleName, policyName });
  const functionName = `rotate-ram-${suffix}`;
  cloud.fc.deploy({
    name: functionName,
    handler: functionModule(ENTRY),
    handlerName: "index.handler",
    role: roleName,
    timeoutSeconds: 60,
    environment: { ROTOR_ENDPOINT: cloud.endpoint },
  });
  return { userName, secretName, functionName, firstKeyId: value.AccessKeyId };
}

const kmsRights = (secretName: string) => ({
  Effect: "Allow",
  Action: "kms:*",
  Resource: `acs:kms:*:*:secret/${secretName}`,
});

async function currentValue(secretName: string) {
  return JSON.parse((await kms.getSecretValue({ secretName })).secretData) as {
    AccessKeyId: string;
    AccessKeySecret: string;
  };
}

describe("functions/rotate-ram-access-key on the local Function Compute", () => {
  it("rotates as its role when the role's policy allows the user's keys and the secret", async () => {
    // Prepare
    const { userName, secretName, functionName, firstKeyId } = await setUp((secret, user) => [
      kmsRights(secret),
      { Effect: "Allow", Action: "ram:*AccessKey*", Resource: `acs:ram:*:*:user/${user}` },
    ]);

    // Act
    const output = JSON.parse(await fc.invokeSync(functionName, { SecretName: secretName })) as {
      Outcome: string;
    };
    const rotated = await currentValue(secretName);
    const identity = await new StsClient({
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: rotated.AccessKeyId, accessKeySecret: rotated.AccessKeySecret },
    }).getCallerIdentity();

    // Assess
    expect(output.Outcome).toBe("rotated");
    expect(rotated.AccessKeyId).not.toBe(firstKeyId);
    expect(identity.arn).toBe(`acs:ram::${cloud.accountId}:user/${userName}`);
  });

  it("is refused cleanly when the role may not manage the user's keys, and changes nothing", async () => {
    // Prepare
    const { userName, secretName, functionName, firstKeyId } = await setUp((secret) => [
      kmsRights(secret),
    ]);
    const versionsBefore = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });

    // Act
    const failure = await fc
      .invokeSync(functionName, { SecretName: secretName })
      .catch((error: unknown) => error);
    const versionsAfter = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
    const keys = await ram.listAccessKeys({ userName });

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(versionsAfter.versions).toEqual(versionsBefore.versions);
    expect(keys.map((key) => key.accessKeyId)).toEqual([firstKeyId]);
    expect((await currentValue(secretName)).AccessKeyId).toBe(firstKeyId);
  });
});

/**
 * Attack: a secret's writer names another team's RAM user. A RAM user
 * allowed only kms:GetSecretValue and kms:PutSecretValue on its team's
 * secrets writes into its own AccessKey secret the name of another team's
 * `rotor-*` user, with an AccessKey that is not that user's (its own). A
 * rotation that took the victim's real keys for orphans would delete them
 * and put a working new key of the victim in the writer's pending version.
 * The rotation function (as its template's role, then as root) must leave
 * the victim's keys as they were and make none.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import type { RamAccessKeyValue } from "../../src/core/rotators/ram-access-key/ram-access-key-value.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";

const ENTRY = "rotate-ram-access-key";
const HOUR_MS = 60 * 60 * 1000;

let cloud: TestCloud;
let ram: RamClient;
beforeAll(async () => {
  // The cloud's clock runs an hour behind, so every key it makes is an hour
  // old to the rotator: old enough to be taken for an orphan.
  cloud = await startTestCloud({ inMemory: true, now: () => Date.now() - HOUR_MS });
  ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
});
afterAll(async () => {
  await cloud?.close();
});

/** A RAM user with one AccessKey, as its value in a secret would hold it. */
async function userWithKey(prefix: string): Promise<RamAccessKeyValue> {
  const userName = `${prefix}${randomUUID().slice(0, 8)}`;
  await ram.createUser({ userName });
  const key = await ram.createAccessKey({ userName });
  return {
    AccessKeyId: key.accessKeyId,
    AccessKeySecret: key.accessKeySecret,
    UserName: userName,
    GenerateTimestamp: new Date(Date.now() - HOUR_MS).toISOString(),
  };
}

/** What STS says when the key signs a call: its ARN, or the error code. */
async function whoSigns(value: RamAccessKeyValue): Promise<string> {
  try {
    const sts = new StsClient({
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret },
      retry: { attempts: 1 },
    });
    return (await sts.getCallerIdentity()).arn;
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

const keyIds = async (userName: string) =>
  (await ram.listAccessKeys({ userName })).map((key) => key.accessKeyId).sort();

/** Team A's AccessKey secret (of its own user) and a user who may only read and write it. */
async function teamA(own: RamAccessKeyValue) {
  const { rotated } = await templatePrefixes(ENTRY);
  const secretName = `${rotated}team-a/key-${randomPart()}`;
  await cloud.kms.createSecret({
    secretName,
    versionId: "v0",
    secretData: JSON.stringify(own),
    tags: [{ key: "rotor:rotator", value: "ram-access-key" }],
  });
  const attacker = await attackerWith(cloud, {
    Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
    Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
  });
  return { secretName, attacker };
}

for (const identity of FUNCTION_IDENTITIES) {
  describe(`a secret's writer names another team's RAM user (the function as ${identity})`, () => {
    it("deletes none of the victim's keys and makes none for it", async () => {
      // Prepare
      const victim = await userWithKey("rotor-b-");
      const own = await userWithKey("rotor-a-");
      const { secretName, attacker } = await teamA(own);
      const functionName = await deployAs(cloud, {
        entry: ENTRY,
        identity,
        settings: { ROTOR_RAM_USER_PREFIXES: "rotor-" },
      });
      await attacker.kms.putSecretValue({
        secretName,
        versionId: `attack-${randomPart()}`,
        secretData: JSON.stringify({ ...own, UserName: victim.UserName }),
      });

      // Act
      const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome.ok).toBe(false);
      expect(await keyIds(victim.UserName)).toEqual([victim.AccessKeyId]);
      expect(await whoSigns(victim)).toContain(`user/${victim.UserName}`);
    });

    it("touches no user outside the deployment's RAM user prefixes", async () => {
      // Prepare: the writer even holds a working key of that user; the deployment still excludes it.
      const outsider = await userWithKey("ops-");
      const own = await userWithKey("rotor-a-");
      const { secretName, attacker } = await teamA(own);
      const functionName = await deployAs(cloud, {
        entry: ENTRY,
        identity,
        settings: { ROTOR_RAM_USER_PREFIXES: "rotor-" },
      });
      await attacker.kms.putSecretValue({
        secretName,
        versionId: `attack-${randomPart()}`,
        secretData: JSON.stringify(outsider),
      });

      // Act
      const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome.ok).toBe(false);
      expect(await keyIds(outsider.UserName)).toEqual([outsider.AccessKeyId]);
      expect(await whoSigns(outsider)).toContain(`user/${outsider.UserName}`);
    });
  });
}

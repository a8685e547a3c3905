/**
 * The RAM AccessKey rotator against RAM and STS of the local cloud, in the
 * situations a two-key user runs into: grace periods, the key limit, keys
 * orphaned by a crash or removed by hand, a deleted user, emergencies, and
 * a rotation function running as a role that its policy limits. In every
 * case the rotation completes or stops with a clear error, and the
 * ACSCurrent key always works.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessKeyCredentials } from "../../../../src/cloud-api/credentials.ts";
import { ApiError } from "../../../../src/cloud-api/errors.ts";
import { RamClient } from "../../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../../src/cloud-api/sts-client.ts";
import { RotationBlockedError } from "../../../../src/core/contract/rotation-errors.ts";
import { CredentialNotProvenError } from "../../../../src/core/contract/trust-boundary-errors.ts";
import { cancelRotation } from "../../../../src/core/engine/cancel-rotation.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import {
  AccessKeySlotsBusyError,
  AccessKeyTargetError,
} from "../../../../src/core/rotators/ram-access-key/ram-access-key-errors.ts";
import { createRamAccessKeyRotator } from "../../../../src/core/rotators/ram-access-key/ram-access-key-rotator.ts";
import type { RamAccessKeyValue } from "../../../../src/core/rotators/ram-access-key/ram-access-key-value.ts";
import { InjectedCrash } from "../../../../src/testing/fault-injector.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../../src/testing/rotation-harness.ts";

const HOUR_MS = 60 * 60 * 1000;
let harness: RotationHarness;
let ram: RamClient;

/** RAM calls of the rotator go as whoever the test says (root by default). */
let rotatorCredentials: () => AccessKeyCredentials = () => harness.cloud.credentials;
const rotator = createRamAccessKeyRotator({
  ram: () =>
    new RamClient({
      endpoint: harness.cloud.endpoint,
      credentials: rotatorCredentials(),
      retry: { attempts: 1 },
    }),
  stsAs: (credentials) =>
    new StsClient({ endpoint: harness.cloud.endpoint, credentials, retry: { attempts: 1 } }),
});

beforeAll(async () => {
  harness = await startRotationHarness([rotator]);
  ram = new RamClient({ endpoint: harness.cloud.endpoint, credentials: harness.cloud.credentials });
});
afterAll(async () => {
  await harness?.close();
});

/** A RAM user with one key, and a secret holding that key. */
async function userWithSecret(tags: Record<string, string> = {}) {
  const userName = `app-${randomUUID().slice(0, 8)}`;
  await ram.createUser({ userName });
  const key = await ram.createAccessKey({ userName });
  const secretName = harness.uniqueName("ram-key");
  const value: RamAccessKeyValue = {
    AccessKeyId: key.accessKeyId,
    AccessKeySecret: key.accessKeySecret,
    UserName: userName,
    GenerateTimestamp: new Date().toISOString(),
  };
  await harness.createSecret({
    name: secretName,
    data: JSON.stringify(value),
    tags: { "rotor:rotator": "ram-access-key", ...tags },
  });
  return { userName, secretName, first: value };
}

async function valueAt(secretName: string, versionStage = "ACSCurrent") {
  const { secretData } = await harness.admin.getSecretValue({ secretName, versionStage });
  return JSON.parse(secretData) as RamAccessKeyValue;
}

/** What STS says when the key signs a call: its ARN, or the error code. */
async function probe(value: Pick<RamAccessKeyValue, "AccessKeyId" | "AccessKeySecret">) {
  try {
    const identity = await new StsClient({
      endpoint: harness.cloud.endpoint,
      credentials: { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret },
      retry: { attempts: 1 },
    }).getCallerIdentity();
    return identity.arn;
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

async function tagsOf(secretName: string): Promise<Record<string, string>> {
  const { tags } = await harness.admin.describeSecret({ secretName, fetchTags: true });
  return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
}

const keyIds = async (userName: string) =>
  (await ram.listAccessKeys({ userName })).map((key) => key.accessKeyId).sort();

describe("rotations and grace periods", () => {
  it("the new key works; the old one works until the next rotation, then is gone", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();

    // Act
    await harness.engine().rotate({ secretName });
    const second = await valueAt(secretName);
    const firstAfterOne = await probe(first);
    await harness.engine().rotate({ secretName });
    const third = await valueAt(secretName);
    const firstAfterTwo = await probe(first);
    const secondAfterTwo = await probe(second);

    // Assess
    const arn = `acs:ram::${harness.cloud.accountId}:user/${userName}`;
    expect(await probe(second)).toBe(arn);
    expect(firstAfterOne).toBe(arn);
    expect(await probe(third)).toBe(arn);
    expect(firstAfterTwo).toBe("InvalidAccessKeyId.NotFound");
    expect(secondAfterTwo).toBe(arn);
    expect(await keyIds(userName)).toEqual([second.AccessKeyId, third.AccessKeyId].sort());
    expect((await valueAt(secretName, "ACSPrevious")).AccessKeyId).toBe(second.AccessKeyId);
    await harness.assertConsistent(secretName);
  });

  it("a duration grace period blocks the next rotation, naming the key, until it has passed", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret({ "rotor:grace-period": "12h" });
    await harness.engine().rotate({ secretName });
    const second = await valueAt(secretName);
    const versionsBefore = await harness.versions(secretName);

    // Act
    const early = await harness
      .engine({ clockOffsetMs: HOUR_MS })
      .rotate({ secretName })
      .catch((error: unknown) => error);
    const keysWhileBlocked = await keyIds(userName);
    const versionsWhileBlocked = await harness.versions(secretName);
    await harness.engine({ clockOffsetMs: 13 * HOUR_MS }).rotate({ secretName });

    // Assess
    expect(early).toBeInstanceOf(AccessKeySlotsBusyError);
    expect((early as Error).message).toContain(first.AccessKeyId);
    expect((early as Error).message).toContain("grace period");
    expect(keysWhileBlocked).toEqual([first.AccessKeyId, second.AccessKeyId].sort());
    expect(versionsWhileBlocked).toEqual(versionsBefore);
    expect(await probe(first)).toBe("InvalidAccessKeyId.NotFound");
    expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
  });

  it("a duration grace period, once passed, ends by setting the previous key Inactive; the next rotation deletes it", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret({ "rotor:grace-period": "12h" });
    await harness.engine().rotate({ secretName });
    const second = await valueAt(secretName);
    const previousVersionId = (await harness.versions(secretName)).find((version) =>
      version.versionStages.includes("ACSPrevious"),
    )?.versionId;

    // Act
    const early = await harness
      .engine({ clockOffsetMs: HOUR_MS })
      .rotate({ secretName, endGracePeriod: true });
    const firstWhileRunning = await probe(first);
    const ended = await harness
      .engine({ clockOffsetMs: 13 * HOUR_MS })
      .rotate({ secretName, endGracePeriod: true });
    const firstAfterEnd = await probe(first);
    const tagsAfterEnd = await tagsOf(secretName);
    const again = await harness
      .engine({ clockOffsetMs: 14 * HOUR_MS })
      .rotate({ secretName, endGracePeriod: true });
    await harness.engine({ clockOffsetMs: 14 * HOUR_MS }).rotate({ secretName });

    // Assess
    expect(early).toMatchObject({ outcome: "grace-running", steps: [] });
    expect(firstWhileRunning).toBe(`acs:ram::${harness.cloud.accountId}:user/${userName}`);
    expect(ended).toMatchObject({ outcome: "grace-ended", versionId: previousVersionId });
    expect(firstAfterEnd).toBe("InvalidAccessKeyId.Inactive");
    expect(tagsAfterEnd["rotor:grace-ended"]).toBe(previousVersionId);
    expect(again.outcome).toBe("nothing-to-end");
    expect(await probe(second)).toContain(`user/${userName}`);
    expect(await probe(first)).toBe("InvalidAccessKeyId.NotFound");
    expect((await valueAt(secretName, "ACSPrevious")).AccessKeyId).toBe(second.AccessKeyId);
    await harness.assertConsistent(secretName);
  });

  it("ending a grace period changes nothing when it is next-rotation or there is no previous key", async () => {
    // Prepare
    const untilNext = await userWithSecret();
    await harness.engine().rotate({ secretName: untilNext.secretName });
    const neverRotated = await userWithSecret({ "rotor:grace-period": "1s" });
    const versionsBefore = await harness.versions(untilNext.secretName);

    // Act
    const untilNextResult = await harness
      .engine({ clockOffsetMs: 365 * 24 * HOUR_MS })
      .rotate({ secretName: untilNext.secretName, endGracePeriod: true });
    const neverRotatedResult = await harness
      .engine({ clockOffsetMs: HOUR_MS })
      .rotate({ secretName: neverRotated.secretName, endGracePeriod: true });

    // Assess
    expect(untilNextResult.outcome).toBe("nothing-to-end");
    expect(neverRotatedResult.outcome).toBe("nothing-to-end");
    expect(await probe(untilNext.first)).toContain(`user/${untilNext.userName}`);
    expect(await harness.versions(untilNext.secretName)).toEqual(versionsBefore);
    expect((await tagsOf(untilNext.secretName))["rotor:grace-ended"]).toBeUndefined();
  });

  it("an emergency stops the leaked key right after setSecret and deletes it after the switch", async () => {
    // Prepare
    const { secretName, first } = await userWithSecret();
    const engine = harness.engine();

    // Act
    const created = await engine.rotate({ secretName, step: "createSecret", emergency: true });
    const token = created.versionId;
    await engine.rotate({ secretName, step: "setSecret", versionId: token, emergency: true });
    const leakedAfterSet = await probe(first);
    await engine.rotate({ secretName, step: "testSecret", versionId: token, emergency: true });
    await engine.rotate({ secretName, step: "finishSecret", versionId: token, emergency: true });
    const leakedAfterFinish = await probe(first);

    // Assess
    expect(leakedAfterSet).toBe("InvalidAccessKeyId.Inactive");
    expect(leakedAfterFinish).toBe("InvalidAccessKeyId.NotFound");
    expect((await valueAt(secretName)).AccessKeyId).not.toBe(first.AccessKeyId);
    expect(await probe(await valueAt(secretName))).toContain(":user/");
    await harness.assertConsistent(secretName);
  });
});

describe("the two-key limit and stray keys", () => {
  it("a key made by hand a moment ago blocks as possibly in flight; once old, it goes as an orphan", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    const stray = await ram.createAccessKey({ userName });

    // Act
    const now = await harness
      .engine()
      .rotate({ secretName })
      .catch((error: unknown) => error);
    const later = await harness.engine({ clockOffsetMs: HOUR_MS }).rotate({ secretName });

    // Assess: the refusal names the key and when it may go, and nothing else.
    expect(now).toBeInstanceOf(RotationBlockedError);
    const message = (now as Error).message;
    const removable = new Date(Date.parse(stray.createDate) + 5 * 60 * 1000).toISOString();
    expect(message).toContain(`AccessKey ${stray.accessKeyId}`);
    expect(message).toContain(`may be removed from ${removable}`);
    expect(message).not.toMatch(/in progress|rotor-[0-9a-f]/);
    expect(message).not.toContain(first.AccessKeyId);
    expect(later.outcome).toBe("rotated");
    expect(
      await probe({ AccessKeyId: stray.accessKeyId, AccessKeySecret: stray.accessKeySecret }),
    ).toBe("InvalidAccessKeyId.NotFound");
    expect(await keyIds(userName)).toEqual(
      [first.AccessKeyId, (await valueAt(secretName)).AccessKeyId].sort(),
    );
  });

  it("a crash between CreateAccessKey and storing the pending version leaves an orphan the next run deletes", async () => {
    // Prepare: crash before the KMS call that would store the new key.
    const { userName, secretName, first } = await userWithSecret();
    let createdKeys = 0;
    const hook = (call: { name: string }) => {
      if (call.name === "ram.CreateAccessKey") createdKeys++;
      if (createdKeys > 0 && call.name === "PutSecretValue") {
        throw new InjectedCrash("injected crash before PutSecretValue");
      }
    };
    await expect(
      harness.engine({ beforeExternalCall: hook }).rotate({ secretName }),
    ).rejects.toThrow("injected crash");
    const afterCrash = await keyIds(userName);

    // Act
    const resumed = await harness.engine({ clockOffsetMs: HOUR_MS }).rotate({ secretName });

    // Assess
    expect(afterCrash).toHaveLength(2);
    const orphan = afterCrash.find((id) => id !== first.AccessKeyId) as string;
    expect(resumed.outcome).toBe("rotated");
    expect(await keyIds(userName)).not.toContain(orphan);
    expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
    await harness.assertConsistent(secretName);
  });

  it("after a rotation cancelled past its setSecret, the next removes the cancelled key as an orphan and rotates", async () => {
    // Prepare: the second rotation's key is made and activated, then the rotation is cancelled.
    const { userName, secretName } = await userWithSecret();
    await harness.engine().rotate({ secretName });
    const before = await valueAt(secretName);
    const stopped = harness.engine();
    const { versionId } = await stopped.rotate({ secretName, step: "createSecret" });
    await stopped.rotate({ secretName, step: "setSecret", versionId });
    const cancelledKey = await valueAt(secretName, "ACSPending");
    const cancelled = await cancelRotation({
      kms: harness.admin,
      secretName,
      testCurrent: async () => undefined,
      now: Date.now() + 2 * HOUR_MS,
    });
    expect(cancelled.cancelledVersionId).toBe(versionId);

    // Act
    const result = await harness.engine({ clockOffsetMs: HOUR_MS }).rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await valueAt(secretName);
    expect(await keyIds(userName)).toEqual([before.AccessKeyId, current.AccessKeyId].sort());
    expect(await probe(cancelledKey)).toBe("InvalidAccessKeyId.NotFound");
    expect(await probe(current)).toContain(`user/${userName}`);
    await harness.assertConsistent(secretName);
  });

  it("concurrent invocations: one rotates, the others refuse, and the user never exceeds two keys", async () => {
    // Prepare
    const { userName, secretName } = await userWithSecret();
    await harness.engine().rotate({ secretName });

    // Act
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) =>
        harness.engine().rotate({ secretName, emergency: index === 2 }),
      ),
    );

    // Assess
    const rotated = settled.filter(
      (entry) => entry.status === "fulfilled" && entry.value.outcome === "rotated",
    );
    const refusals = settled
      .filter((entry) => entry.status === "rejected")
      .map((entry) => (entry as PromiseRejectedResult).reason);
    expect(rotated.length).toBeGreaterThanOrEqual(1);
    expect(refusals.filter((reason) => !(reason instanceof RotationBlockedError))).toEqual([]);
    expect((await keyIds(userName)).length).toBeLessThanOrEqual(2);
    expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
    await harness.assertConsistent(secretName);
  });
});

describe("keys and users removed by hand", () => {
  it("the pending key deleted before setSecret: a clear error, and ACSCurrent still works", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    const engine = harness.engine();
    const { versionId } = await engine.rotate({ secretName, step: "createSecret" });
    const pending = await valueAt(secretName, "ACSPending");
    await ram.deleteAccessKey({ userName, accessKeyId: pending.AccessKeyId });

    // Act
    const failure = await engine
      .rotate({ secretName, step: "setSecret", versionId })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(AccessKeyTargetError);
    expect((failure as Error).message).toContain(pending.AccessKeyId);
    expect((failure as Error).message).toContain("no longer exists");
    expect((await valueAt(secretName)).AccessKeyId).toBe(first.AccessKeyId);
    expect(await probe(first)).toContain(`user/${userName}`);
  });

  it("the pending key deleted between testSecret and finishSecret: no switch to a dead key", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    const engine = harness.engine();
    const { versionId } = await engine.rotate({ secretName, step: "createSecret" });
    await engine.rotate({ secretName, step: "setSecret", versionId });
    await engine.rotate({ secretName, step: "testSecret", versionId });
    const pending = await valueAt(secretName, "ACSPending");
    await ram.deleteAccessKey({ userName, accessKeyId: pending.AccessKeyId });

    // Act
    const failure = await engine
      .rotate({ secretName, step: "finishSecret", versionId })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain("no longer exists");
    expect((await valueAt(secretName)).AccessKeyId).toBe(first.AccessKeyId);
    expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
  });

  it("the current key deleted by hand: refused, since the secret no longer proves it holds a key of the user; no key is made", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    await ram.deleteAccessKey({ userName, accessKeyId: first.AccessKeyId });
    const versionsBefore = await harness.versions(secretName);

    // Act
    const failure = await harness
      .engine()
      .rotate({ secretName })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(CredentialNotProvenError);
    expect((failure as Error).message).toContain(first.AccessKeyId);
    expect(await keyIds(userName)).toEqual([]);
    expect(await harness.versions(secretName)).toEqual(versionsBefore);
  });

  it("the current key set Inactive by hand: the ACSPrevious key proves the user, and the rotation completes", async () => {
    // Prepare: two rotations, so ACSPrevious holds a key of the user that still works.
    const { userName, secretName } = await userWithSecret();
    await harness.engine().rotate({ secretName });
    const current = await valueAt(secretName);
    await ram.updateAccessKey({ userName, accessKeyId: current.AccessKeyId, status: "Inactive" });

    // Act
    const result = await harness.engine({ clockOffsetMs: HOUR_MS }).rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
    await harness.assertConsistent(secretName);
  });

  it("the user deleted: a clear error naming the user, and the secret unchanged", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    await ram.deleteAccessKey({ userName, accessKeyId: first.AccessKeyId });
    await ram.deleteUser({ userName });
    const versionsBefore = await harness.versions(secretName);

    // Act
    const failure = await harness
      .engine()
      .rotate({ secretName })
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(AccessKeyTargetError);
    expect((failure as Error).message).toContain(`RAM user ${userName} does not exist`);
    expect((failure as Error).message).not.toContain(first.AccessKeySecret);
    expect(await harness.versions(secretName)).toEqual(versionsBefore);
  });
});

describe("a rotation function running as a role", () => {
  /** A role FC may assume, with the given custom policy (or none). */
  async function functionRole(policyDocument?: string) {
    const roleName = `rotor-fn-${randomUUID().slice(0, 8)}`;
    await ram.createRole({
      roleName,
      assumeRolePolicyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { Service: ["fc.aliyuncs.com"] },
          },
        ],
      }),
    });
    if (policyDocument) {
      const policyName = `rotor-fn-policy-${randomUUID().slice(0, 8)}`;
      await ram.createPolicy({ policyName, policyDocument });
      await ram.attachPolicyToRole({ roleName, policyName });
    }
    return harness.cloud.assumeRoleForService({ roleName });
  }

  function engineAs(credentials: AccessKeyCredentials) {
    rotatorCredentials = () => credentials;
    return new RotationEngine({
      kms: { endpoint: harness.cloud.endpoint, credentials, retry: { attempts: 1 } },
      rotators: { "ram-access-key": rotator },
      log: createJsonLogger((line) => harness.logLines.push(line)),
      sleep: () => new Promise((resolve) => setTimeout(resolve, 10)),
      testRetryDelayMs: 10,
    });
  }

  const rotationPolicy = (secretName: string, userName: string) =>
    JSON.stringify({
      Version: "1",
      Statement: [
        {
          Effect: "Allow",
          Action: [
            "kms:DescribeSecret",
            "kms:GetSecretValue",
            "kms:PutSecretValue",
            "kms:UpdateSecretVersionStage",
            "kms:ListSecretVersionIds",
            "kms:TagResource",
          ],
          Resource: `acs:kms:*:${harness.cloud.accountId}:secret/${secretName}`,
        },
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
      ],
    });

  it("rotates with a policy that grants exactly what the rotation needs", async () => {
    // Prepare
    const { userName, secretName } = await userWithSecret();
    const credentials = await functionRole(rotationPolicy(secretName, userName));

    // Act
    try {
      const first = await engineAs(credentials).rotate({ secretName });
      const second = await engineAs(credentials).rotate({ secretName });

      // Assess
      expect(first.outcome).toBe("rotated");
      expect(second.outcome).toBe("rotated");
      expect(await probe(await valueAt(secretName))).toContain(`user/${userName}`);
      await harness.assertConsistent(secretName);
    } finally {
      rotatorCredentials = () => harness.cloud.credentials;
    }
  });

  it("is refused cleanly without RAM rights: NoPermission, nothing stored, ACSCurrent intact", async () => {
    // Prepare
    const { userName, secretName, first } = await userWithSecret();
    const kmsOnly = JSON.stringify({
      Version: "1",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: `acs:kms:*:*:secret/${secretName}` },
      ],
    });
    const credentials = await functionRole(kmsOnly);
    const versionsBefore = await harness.versions(secretName);

    // Act
    let failure: unknown;
    try {
      failure = await engineAs(credentials)
        .rotate({ secretName })
        .catch((error: unknown) => error);
    } finally {
      rotatorCredentials = () => harness.cloud.credentials;
    }

    // Assess
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe("NoPermission");
    expect((failure as ApiError).message).toContain("ram:ListAccessKeys");
    expect(await harness.versions(secretName)).toEqual(versionsBefore);
    expect(await keyIds(userName)).toEqual([first.AccessKeyId]);
    expect(await probe(first)).toContain(`user/${userName}`);
  });

  it("is refused cleanly by KMS when the role may not touch the secret", async () => {
    // Prepare
    const { secretName } = await userWithSecret();
    const credentials = await functionRole();

    // Act
    let failure: unknown;
    try {
      failure = await engineAs(credentials)
        .rotate({ secretName })
        .catch((error: unknown) => error);
    } finally {
      rotatorCredentials = () => harness.cloud.credentials;
    }

    // Assess
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe("Forbidden.NoPermission");
  });
});

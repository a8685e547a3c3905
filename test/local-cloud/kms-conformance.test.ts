/**
 * KMS Secrets Manager conformance: one list of scenarios, run through every
 * client (the official SDKs, signing V1 and V3, and Rotor's KmsClient)
 * against one local cloud. A scenario passes only if the local cloud follows
 * the documented semantics AND the client reads its answers correctly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";
import { kmsClientDriver } from "./drivers/kms-client-driver.ts";
import type { KmsDriver, KmsDriverFactory, WireBody } from "./drivers/kms-driver.ts";
import { kmsSdkDriver } from "./drivers/kms-sdk-driver.ts";
import { openApiClientDriver } from "./drivers/openapi-client-driver.ts";
import { expectWireError, listVersions, secretValueOf, stagesOf } from "./support/kms-wire.ts";

const DRIVERS: KmsDriverFactory[] = [
  kmsSdkDriver,
  openApiClientDriver("v3"),
  openApiClientDriver("v1"),
  kmsClientDriver,
];

const DAY_MS = 24 * 60 * 60 * 1000;

interface ScenarioContext {
  kms: KmsDriver;
  cloud: TestCloud;
  /** A secret name unique to this scenario and driver. */
  name: string;
  /** Moves the server's clock (the `now` option) ahead; signatures still use the real time. */
  advanceServerClock(ms: number): void;
}

type Scenario = [title: string, run: (ctx: ScenarioContext) => Promise<void>];

/** Creates a generic secret with version v1 = "one" (ACSCurrent). */
async function createSecret(kms: KmsDriver, name: string, extra: Record<string, string> = {}) {
  return kms.call("CreateSecret", {
    SecretName: name,
    SecretData: "one",
    VersionId: "v1",
    ...extra,
  });
}

const SCENARIOS: Scenario[] = [
  [
    "CreateSecret answers the ARN and version; GetSecretValue reads ACSCurrent by default",
    async ({ kms, cloud, name }) => {
      const created = await createSecret(kms, name, { Description: "db login" });
      expect(created.Arn).toBe(`acs:kms:${cloud.region}:${cloud.accountId}:secret/${name}`);
      expect(created.VersionId).toBe("v1");
      expect(created.RequestId).toMatch(/^[0-9A-F-]{36}$/);

      const value = await kms.call("GetSecretValue", { SecretName: name });
      expect(value.SecretData).toBe("one");
      expect(value.VersionId).toBe("v1");
      expect(value.SecretDataType).toBe("text");
      expect(stagesOf(value)).toEqual(["ACSCurrent"]);
    },
  ],
  [
    "GetSecretValue reads by stage and by id; a stage the id does not carry is a 400",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      await kms.call("PutSecretValue", { SecretName: name, SecretData: "two", VersionId: "v2" });

      const byStage = await kms.call("GetSecretValue", {
        SecretName: name,
        VersionStage: "ACSPrevious",
      });
      const byId = await kms.call("GetSecretValue", { SecretName: name, VersionId: "v2" });
      const both = await kms.call("GetSecretValue", {
        SecretName: name,
        VersionId: "v1",
        VersionStage: "ACSPrevious",
      });
      const mismatch = await expectWireError(
        kms.call("GetSecretValue", {
          SecretName: name,
          VersionId: "v1",
          VersionStage: "ACSCurrent",
        }),
        400,
        "InvalidParameter",
      );

      expect(byStage.SecretData).toBe("one");
      expect(byId.SecretData).toBe("two");
      expect(stagesOf(byId)).toEqual(["ACSCurrent"]);
      expect(both.VersionId).toBe("v1");
      expect(mismatch.message).toContain("VersionStage");
    },
  ],
  [
    "an unknown secret is 404 Forbidden.ResourceNotFound; a second CreateSecret is 409",
    async ({ kms, name }) => {
      await expectWireError(
        kms.call("GetSecretValue", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      await createSecret(kms, name);
      await expectWireError(
        kms.call("CreateSecret", { SecretName: name, SecretData: "other", VersionId: "v9" }),
        409,
        "Rejected.ResourceExist",
      );
      expect(await secretValueOf(kms, name)).toBe("one");
    },
  ],
  [
    "PutSecretValue without stages makes the new version ACSCurrent and the old one ACSPrevious",
    async ({ kms, name }) => {
      await createSecret(kms, name);

      const put = await kms.call("PutSecretValue", {
        SecretName: name,
        SecretData: "two",
        VersionId: "v2",
      });

      expect(put.VersionId).toBe("v2");
      expect(stagesOf(put)).toEqual(["ACSCurrent"]);
      expect(await listVersions(kms, name)).toEqual({ v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
      expect(await secretValueOf(kms, name, "ACSPrevious")).toBe("one");
    },
  ],
  [
    "PutSecretValue with a custom stage (ACSPending) leaves ACSCurrent alone",
    async ({ kms, name }) => {
      await createSecret(kms, name);

      const put = await kms.call("PutSecretValue", {
        SecretName: name,
        SecretData: "pending",
        VersionId: "v2",
        VersionStages: JSON.stringify(["ACSPending"]),
      });

      expect(stagesOf(put)).toEqual(["ACSPending"]);
      expect(await secretValueOf(kms, name)).toBe("one");
      expect(await secretValueOf(kms, name, "ACSPending")).toBe("pending");
    },
  ],
  [
    "PutSecretValue retried with the same VersionId and data succeeds and changes nothing; different data is 409",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      await kms.call("PutSecretValue", { SecretName: name, SecretData: "two", VersionId: "v2" });
      const before = await listVersions(kms, name, true);

      const retry = await kms.call("PutSecretValue", {
        SecretName: name,
        SecretData: "two",
        VersionId: "v2",
      });
      await expectWireError(
        kms.call("PutSecretValue", { SecretName: name, SecretData: "changed", VersionId: "v2" }),
        409,
        "Rejected.ResourceExist",
      );

      expect(retry.VersionId).toBe("v2");
      expect(await listVersions(kms, name, true)).toEqual(before);
      expect(await secretValueOf(kms, name)).toBe("two");
    },
  ],
  [
    "UpdateSecretVersionStage moves and removes custom stages",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      await kms.call("PutSecretValue", {
        SecretName: name,
        SecretData: "two",
        VersionId: "v2",
        VersionStages: JSON.stringify(["ACSPending"]),
      });

      await kms.call("UpdateSecretVersionStage", {
        SecretName: name,
        VersionStage: "ACSPending",
        MoveToVersion: "v1",
        RemoveFromVersion: "v2",
      });
      expect(await listVersions(kms, name)).toEqual({ v1: ["ACSCurrent", "ACSPending"] });

      await kms.call("UpdateSecretVersionStage", {
        SecretName: name,
        VersionStage: "ACSPending",
        RemoveFromVersion: "v1",
      });
      expect(await listVersions(kms, name)).toEqual({ v1: ["ACSCurrent"] });
      await expectWireError(
        kms.call("GetSecretValue", { SecretName: name, VersionStage: "ACSPending" }),
        404,
        "Forbidden.ResourceNotFound",
      );
    },
  ],
  [
    "UpdateSecretVersionStage moves ACSCurrent only with MoveToVersion and never removes it",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      await kms.call("PutSecretValue", {
        SecretName: name,
        SecretData: "two",
        VersionId: "v2",
        VersionStages: JSON.stringify(["ACSPending"]),
      });

      const removeCurrent = await expectWireError(
        kms.call("UpdateSecretVersionStage", {
          SecretName: name,
          VersionStage: "ACSCurrent",
          RemoveFromVersion: "v1",
        }),
        400,
        "MissingParameter",
      );
      const removeWhileMoving = await expectWireError(
        kms.call("UpdateSecretVersionStage", {
          SecretName: name,
          VersionStage: "ACSPending",
          RemoveFromVersion: "v1",
        }),
        400,
        "InvalidParameter",
      );
      expect(removeCurrent.message).toContain("MoveToVersion");
      expect(removeWhileMoving.message).toContain("RemoveFromVersion");
      expect(await listVersions(kms, name)).toEqual({ v1: ["ACSCurrent"], v2: ["ACSPending"] });

      await kms.call("UpdateSecretVersionStage", {
        SecretName: name,
        VersionStage: "ACSCurrent",
        MoveToVersion: "v2",
        RemoveFromVersion: "v1",
      });
      await kms.call("UpdateSecretVersionStage", {
        SecretName: name,
        VersionStage: "ACSPrevious",
        MoveToVersion: "v1",
      });
      await kms.call("UpdateSecretVersionStage", {
        SecretName: name,
        VersionStage: "ACSPending",
        RemoveFromVersion: "v2",
      });

      expect(await listVersions(kms, name)).toEqual({ v1: ["ACSPrevious"], v2: ["ACSCurrent"] });
      expect(await secretValueOf(kms, name)).toBe("two");
    },
  ],
  [
    "ListSecretVersionIds hides versions without a stage unless IncludeDeprecated, and pages",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      for (const id of ["v2", "v3", "v4"]) {
        await kms.call("PutSecretValue", { SecretName: name, SecretData: id, VersionId: id });
      }

      const staged = await listVersions(kms, name);
      const all = await listVersions(kms, name, true);
      const page1 = await kms.call("ListSecretVersionIds", {
        SecretName: name,
        IncludeDeprecated: "true",
        PageSize: "3",
        PageNumber: "1",
      });
      const page2 = await kms.call("ListSecretVersionIds", {
        SecretName: name,
        IncludeDeprecated: "true",
        PageSize: "3",
        PageNumber: "2",
      });

      expect(staged).toEqual({ v3: ["ACSPrevious"], v4: ["ACSCurrent"] });
      expect(all).toEqual({ v1: [], v2: [], v3: ["ACSPrevious"], v4: ["ACSCurrent"] });
      expect(Number(page1.TotalCount)).toBe(4);
      const ids = (page: WireBody) =>
        ((page.VersionIds as { VersionId: { VersionId: string }[] }).VersionId ?? []).map(
          (v) => v.VersionId,
        );
      expect(ids(page1)).toEqual(["v1", "v2", "v3"]);
      expect(ids(page2)).toEqual(["v4"]);
    },
  ],
  [
    "DescribeSecret answers the metadata, and the tags only with FetchTags",
    async ({ kms, cloud, name }) => {
      await createSecret(kms, name, {
        Description: "billing db",
        Tags: JSON.stringify([{ TagKey: "team", TagValue: "billing" }]),
      });

      const plain = await kms.call("DescribeSecret", { SecretName: name });
      const tagged = await kms.call("DescribeSecret", { SecretName: name, FetchTags: "true" });

      expect(plain.Arn).toBe(`acs:kms:${cloud.region}:${cloud.accountId}:secret/${name}`);
      expect(plain.SecretType).toBe("Generic");
      expect(plain.Description).toBe("billing db");
      expect(plain.CreateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(plain.Tags).toBeUndefined();
      expect(tagged.Tags).toEqual({ Tag: [{ TagKey: "team", TagValue: "billing" }] });
    },
  ],
  [
    "ListSecrets filters by TagKey, TagValue and SecretName and pages across pages",
    async ({ kms, name }) => {
      const names = [1, 2, 3, 4, 5].map((n) => `${name}-${n}`);
      for (const [index, secretName] of names.entries()) {
        await createSecret(kms, secretName, {
          Tags: JSON.stringify([{ TagKey: name, TagValue: index % 2 === 0 ? "even" : "odd" }]),
        });
      }
      const byKey = JSON.stringify([{ Key: "TagKey", Values: [name] }]);

      const pages = [];
      for (const page of ["1", "2", "3"]) {
        pages.push(
          await kms.call("ListSecrets", { Filters: byKey, PageSize: "2", PageNumber: page }),
        );
      }
      const odd = await kms.call("ListSecrets", {
        Filters: JSON.stringify([
          { Key: "TagKey", Values: [name] },
          { Key: "TagValue", Values: ["odd"] },
        ]),
        FetchTags: "true",
      });
      const byName = await kms.call("ListSecrets", {
        Filters: JSON.stringify([{ Key: "SecretName", Values: [`${name}-3`] }]),
      });

      const namesOf = (body: WireBody) =>
        ((body.SecretList as { Secret?: { SecretName: string }[] }).Secret ?? []).map(
          (s) => s.SecretName,
        );
      expect(pages.map((page) => namesOf(page).length)).toEqual([2, 2, 1]);
      expect(pages.map((page) => Number(page.TotalCount))).toEqual([5, 5, 5]);
      expect(pages.flatMap(namesOf).sort()).toEqual(names);
      expect(namesOf(odd).sort()).toEqual([names[1], names[3]]);
      const oddTags = (odd.SecretList as { Secret: { Tags: unknown }[] }).Secret[0]?.Tags;
      expect(oddTags).toEqual({ Tag: [{ TagKey: name, TagValue: "odd" }] });
      expect(namesOf(byName)).toEqual([`${name}-3`]);
    },
  ],
  [
    "UpdateSecret changes the description and keeps the value",
    async ({ kms, name }) => {
      await createSecret(kms, name, { Description: "old" });

      await kms.call("UpdateSecret", { SecretName: name, Description: "new words" });

      const described = await kms.call("DescribeSecret", { SecretName: name });
      expect(described.Description).toBe("new words");
      expect(await secretValueOf(kms, name)).toBe("one");
    },
  ],
  [
    "DeleteSecret with a recovery window hides the secret until RestoreSecret brings it back",
    async ({ kms, name }) => {
      await createSecret(kms, name);

      const deleted = await kms.call("DeleteSecret", {
        SecretName: name,
        RecoveryWindowInDays: "7",
      });
      const planned = Date.parse(String(deleted.PlannedDeleteTime));
      await expectWireError(
        kms.call("GetSecretValue", { SecretName: name }),
        409,
        "Rejected.ResourceInDeleteWindow",
      );
      await expectWireError(
        kms.call("PutSecretValue", { SecretName: name, SecretData: "x", VersionId: "v2" }),
        409,
        "Rejected.ResourceInDeleteWindow",
      );
      const described = await kms.call("DescribeSecret", { SecretName: name });
      await kms.call("RestoreSecret", { SecretName: name });

      expect(Math.abs(planned - (Date.now() + 7 * DAY_MS))).toBeLessThan(10 * 60 * 1000);
      expect(described.PlannedDeleteTime).toBe(deleted.PlannedDeleteTime);
      expect(await secretValueOf(kms, name)).toBe("one");
      expect((await kms.call("DescribeSecret", { SecretName: name })).PlannedDeleteTime).toBe(
        undefined,
      );
    },
  ],
  [
    "DeleteSecret with ForceDeleteWithoutRecovery removes the secret at once",
    async ({ kms, name }) => {
      await createSecret(kms, name);

      await kms.call("DeleteSecret", { SecretName: name, ForceDeleteWithoutRecovery: "true" });

      await expectWireError(
        kms.call("DescribeSecret", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      await expectWireError(
        kms.call("RestoreSecret", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      await kms.call("CreateSecret", { SecretName: name, SecretData: "again", VersionId: "v1" });
      expect(await secretValueOf(kms, name)).toBe("again");
    },
  ],
  [
    "a secret whose recovery window has ended is gone",
    async ({ kms, name, advanceServerClock }) => {
      await createSecret(kms, name);
      await kms.call("DeleteSecret", { SecretName: name, RecoveryWindowInDays: "7" });

      advanceServerClock(7 * DAY_MS + 60_000);

      await expectWireError(
        kms.call("DescribeSecret", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      await expectWireError(
        kms.call("RestoreSecret", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      const listed = await kms.call("ListSecrets", {
        Filters: JSON.stringify([{ Key: "SecretName", Values: [name] }]),
      });
      expect(Number(listed.TotalCount)).toBe(0);
      await kms.call("CreateSecret", { SecretName: name, SecretData: "new", VersionId: "n1" });
      expect(await secretValueOf(kms, name)).toBe("new");
    },
  ],
  [
    "GetRandomPassword honours the length, the exclusions and each character type",
    async ({ kms }) => {
      const password = async (params: Record<string, string>) =>
        String((await kms.call("GetRandomPassword", params)).RandomPassword);

      const standard = await password({});
      const long = await password({ PasswordLength: "64" });
      const noDigitsOrPunctuation = await password({
        PasswordLength: "40",
        ExcludeNumbers: "true",
        ExcludePunctuation: "true",
      });
      const onlyDigits = await password({
        PasswordLength: "20",
        ExcludeLowercase: "true",
        ExcludeUppercase: "true",
        ExcludePunctuation: "true",
      });
      const noChars = await password({ PasswordLength: "128", ExcludeCharacters: "aeiou/@\"'\\" });
      const tooShort = await expectWireError(
        kms.call("GetRandomPassword", { PasswordLength: "7" }),
        400,
        "InvalidParameter",
      );

      expect(standard).toHaveLength(32);
      for (const pattern of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) {
        expect(standard).toMatch(pattern);
      }
      expect(long).toHaveLength(64);
      expect(noDigitsOrPunctuation).toMatch(/^[A-Za-z]{40}$/);
      expect(onlyDigits).toMatch(/^[0-9]{20}$/);
      expect(noChars).toHaveLength(128);
      expect(noChars).not.toMatch(/[aeiou/@"'\\]/);
      expect(tooShort.message).toContain("PasswordLength");
    },
  ],
  [
    "TagResource adds and overwrites tags; UntagResource removes them",
    async ({ kms, name }) => {
      await createSecret(kms, name, {
        Tags: JSON.stringify([{ TagKey: "team", TagValue: "a" }]),
      });
      const tagsOf = async () =>
        (await kms.call("DescribeSecret", { SecretName: name, FetchTags: "true" })).Tags;

      await kms.call("TagResource", {
        SecretName: name,
        Tags: JSON.stringify([
          { TagKey: "team", TagValue: "b" },
          { TagKey: "env", TagValue: "prod" },
        ]),
      });
      const afterTag = await tagsOf();
      await kms.call("UntagResource", { SecretName: name, TagKeys: JSON.stringify(["team"]) });
      const afterUntag = await tagsOf();

      expect(afterTag).toEqual({
        Tag: [
          { TagKey: "team", TagValue: "b" },
          { TagKey: "env", TagValue: "prod" },
        ],
      });
      expect(afterUntag).toEqual({ Tag: [{ TagKey: "env", TagValue: "prod" }] });
    },
  ],
  [
    "at most 10 versions: the earliest versions without a stage go first",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      for (let n = 2; n <= 12; n++) {
        await kms.call("PutSecretValue", {
          SecretName: name,
          SecretData: `d${n}`,
          VersionId: `v${n}`,
        });
      }

      const all = await listVersions(kms, name, true);

      expect(Object.keys(all)).toEqual([
        "v3",
        "v4",
        "v5",
        "v6",
        "v7",
        "v8",
        "v9",
        "v10",
        "v11",
        "v12",
      ]);
      expect(all.v12).toEqual(["ACSCurrent"]);
      expect(all.v11).toEqual(["ACSPrevious"]);
      await expectWireError(
        kms.call("GetSecretValue", { SecretName: name, VersionId: "v1" }),
        404,
        "Forbidden.ResourceNotFound",
      );
    },
  ],
  [
    "at most 8 stage labels: a ninth is 400 Rejected.LimitExceeded and changes nothing",
    async ({ kms, name }) => {
      await createSecret(kms, name);
      for (let n = 1; n <= 7; n++) {
        await kms.call("PutSecretValue", {
          SecretName: name,
          SecretData: `d${n}`,
          VersionId: `s${n}`,
          VersionStages: JSON.stringify([`Stage${n}`]),
        });
      }
      const before = await listVersions(kms, name, true);

      await expectWireError(
        kms.call("PutSecretValue", {
          SecretName: name,
          SecretData: "d8",
          VersionId: "s8",
          VersionStages: JSON.stringify(["Stage8"]),
        }),
        400,
        "Rejected.LimitExceeded",
      );
      await expectWireError(
        kms.call("UpdateSecretVersionStage", {
          SecretName: name,
          VersionStage: "Stage9",
          MoveToVersion: "v1",
        }),
        400,
        "Rejected.LimitExceeded",
      );

      expect(Object.keys(before)).toHaveLength(8);
      expect(await listVersions(kms, name, true)).toEqual(before);
    },
  ],
  [
    "managed types: a Generic secret refuses automatic rotation; a managed secret refuses PutSecretValue",
    async ({ kms, name }) => {
      const generic = await expectWireError(
        createSecret(kms, name, { EnableAutomaticRotation: "true", RotationInterval: "30d" }),
        400,
        "InvalidParameter",
      );
      await expectWireError(
        kms.call("DescribeSecret", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      await createSecret(kms, name, {
        SecretType: "Rds",
        ExtendedConfig: JSON.stringify({ SecretSubType: "SingleUser", DBInstanceId: "rm-test" }),
        EnableAutomaticRotation: "true",
        RotationInterval: "30d",
      });

      await expectWireError(
        kms.call("PutSecretValue", { SecretName: name, SecretData: "x", VersionId: "v2" }),
        400,
        "UnsupportedOperation",
      );
      await expectWireError(
        kms.call("UpdateSecretVersionStage", {
          SecretName: name,
          VersionStage: "Custom",
          MoveToVersion: "v1",
        }),
        400,
        "UnsupportedOperation",
      );

      expect(generic.message).toContain("EnableAutomaticRotation");
      const described = await kms.call("DescribeSecret", { SecretName: name });
      expect(described.SecretType).toBe("Rds");
      expect(await listVersions(kms, name, true)).toEqual({ v1: ["ACSCurrent"] });
    },
  ],
  [
    "errors come in Alibaba's envelope with the documented HTTP statuses",
    async ({ kms, name }) => {
      const notFound = await expectWireError(
        kms.call("GetSecretValue", { SecretName: name }),
        404,
        "Forbidden.ResourceNotFound",
      );
      const missing = await expectWireError(
        kms.call("GetSecretValue", {}),
        400,
        "MissingParameter",
      );

      for (const error of [notFound, missing]) {
        expect(error.envelope).toMatchObject({
          RequestId: error.requestId,
          HostId: "kms.cn-hangzhou.aliyuncs.com",
          Code: error.code,
          Message: error.message,
        });
        expect(error.requestId).toMatch(/^[0-9A-F-]{36}$/);
        expect(String(error.envelope.Recommend)).toContain(error.code);
        expect(String(error.envelope.Recommend)).toContain(String(error.requestId));
      }
      expect(missing.message).toContain("SecretName");
    },
  ],
];

describe.each(DRIVERS)("KMS conformance through $name", (factory) => {
  let cloud: TestCloud;
  let kms: KmsDriver;
  let serverClockOffset = 0;
  beforeAll(async () => {
    cloud = await startTestCloud({ now: () => Date.now() + serverClockOffset });
    kms = factory.create(cloud);
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it.each(SCENARIOS)("%s", async (_title, run) => {
    try {
      await run({
        kms,
        cloud,
        name: uniqueName("conformance"),
        advanceServerClock: (ms) => {
          serverClockOffset += ms;
        },
      });
    } finally {
      // The next scenario starts on the real time again.
      serverClockOffset = 0;
    }
  });
});

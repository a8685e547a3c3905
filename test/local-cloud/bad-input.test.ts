/**
 * Bad input gets a 400 whose Message names the parameter, and changes
 * nothing. Parameters travel in the query string (SecretData too), so the
 * size limits are checked on what arrives there; limits are exact (the
 * largest valid value passes). Error messages never quote a secret value.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import type { QueryValue } from "../../src/cloud-api/openapi-caller.ts";
import { useLocalCloud } from "../support/local-cloud.ts";

const cloud = useLocalCloud({ inMemory: true });
const FIXTURE = "bad-input-fixture";
/** A value that must never come back in an error message. */
const SECRET_MARK = "s3cr3t-MARK";
let kms: KmsClient;

beforeAll(async () => {
  kms = cloud().kmsClient({ retry: { attempts: 1 } });
  await kms.createSecret({
    secretName: FIXTURE,
    secretData: "fixture-value",
    versionId: "v1",
    tags: [{ key: "team", value: "a" }],
  });
});

/** Everything a bad request could have touched. */
async function snapshot() {
  const secrets = [];
  for await (const secret of kms.listAllSecrets({ fetchTags: true })) secrets.push(secret);
  const { versions } = await kms.listSecretVersionIds({
    secretName: FIXTURE,
    includeDeprecated: true,
  });
  const value = await kms.getSecretValue({ secretName: FIXTURE });
  return { secrets, versions, data: value.secretData };
}

const tooLongName = "n".repeat(193);
const longestName = "n".repeat(192);
/** 30,720 bytes of two-byte characters: the largest SecretData (6 query characters per char). */
const largestData = "é".repeat(15_360);

type Case = [
  title: string,
  action: string,
  params: Record<string, QueryValue>,
  code: "MissingParameter" | "InvalidParameter",
  names: string,
];

const CASES: Case[] = [
  [
    "CreateSecret without SecretName",
    "CreateSecret",
    { SecretData: "x", VersionId: "v1" },
    "MissingParameter",
    "SecretName",
  ],
  [
    "CreateSecret without SecretData",
    "CreateSecret",
    { SecretName: "new-a", VersionId: "v1" },
    "MissingParameter",
    "SecretData",
  ],
  [
    "CreateSecret without VersionId",
    "CreateSecret",
    { SecretName: "new-b", SecretData: "x" },
    "MissingParameter",
    "VersionId",
  ],
  [
    "a SecretName of 193 characters",
    "CreateSecret",
    { SecretName: tooLongName, SecretData: "x", VersionId: "v1" },
    "InvalidParameter",
    "SecretName",
  ],
  [
    "a SecretName with a space",
    "CreateSecret",
    { SecretName: "has space", SecretData: "x", VersionId: "v1" },
    "InvalidParameter",
    "SecretName",
  ],
  [
    "SecretData of 30,721 bytes",
    "CreateSecret",
    { SecretName: "new-c", SecretData: `${largestData}${SECRET_MARK}`, VersionId: "v1" },
    "InvalidParameter",
    "SecretData",
  ],
  [
    "a VersionId of 65 characters",
    "CreateSecret",
    { SecretName: "new-d", SecretData: "x", VersionId: "v".repeat(65) },
    "InvalidParameter",
    "VersionId",
  ],
  [
    "an unknown SecretDataType",
    "CreateSecret",
    { SecretName: "new-e", SecretData: "x", VersionId: "v1", SecretDataType: "base64" },
    "InvalidParameter",
    "SecretDataType",
  ],
  [
    "binary SecretData that is not base64",
    "CreateSecret",
    {
      SecretName: "new-f",
      SecretData: `${SECRET_MARK}!`,
      VersionId: "v1",
      SecretDataType: "binary",
    },
    "InvalidParameter",
    "SecretData",
  ],
  [
    "malformed Tags JSON",
    "CreateSecret",
    { SecretName: "new-g", SecretData: "x", VersionId: "v1", Tags: '[{"TagKey":"a"' },
    "InvalidParameter",
    "Tags",
  ],
  [
    "Tags that are not a list",
    "CreateSecret",
    {
      SecretName: "new-h",
      SecretData: "x",
      VersionId: "v1",
      Tags: '{"TagKey":"a","TagValue":"b"}',
    },
    "InvalidParameter",
    "Tags",
  ],
  [
    "a reserved tag key",
    "TagResource",
    { SecretName: FIXTURE, Tags: '[{"TagKey":"aliyun:x","TagValue":"b"}]' },
    "InvalidParameter",
    "Tags",
  ],
  [
    "malformed TagKeys JSON",
    "UntagResource",
    { SecretName: FIXTURE, TagKeys: '["team"' },
    "InvalidParameter",
    "TagKeys",
  ],
  [
    "PutSecretValue SecretData of 30,721 bytes",
    "PutSecretValue",
    { SecretName: FIXTURE, SecretData: `${largestData}${SECRET_MARK}`, VersionId: "v2" },
    "InvalidParameter",
    "SecretData",
  ],
  [
    "malformed VersionStages JSON",
    "PutSecretValue",
    {
      SecretName: FIXTURE,
      SecretData: SECRET_MARK,
      VersionId: "v2",
      VersionStages: '["ACSPending"',
    },
    "InvalidParameter",
    "VersionStages",
  ],
  [
    "VersionStages that are not a list of names",
    "PutSecretValue",
    { SecretName: FIXTURE, SecretData: SECRET_MARK, VersionId: "v2", VersionStages: '{"stage":1}' },
    "InvalidParameter",
    "VersionStages",
  ],
  [
    "a VersionStage with a space",
    "PutSecretValue",
    {
      SecretName: FIXTURE,
      SecretData: SECRET_MARK,
      VersionId: "v2",
      VersionStages: '["two words"]',
    },
    "InvalidParameter",
    "VersionStages",
  ],
  [
    "UpdateSecretVersionStage without a version",
    "UpdateSecretVersionStage",
    { SecretName: FIXTURE, VersionStage: "X" },
    "MissingParameter",
    "MoveToVersion",
  ],
  [
    "malformed Filters JSON",
    "ListSecrets",
    { Filters: '[{"Key":"TagKey"' },
    "InvalidParameter",
    "Filters",
  ],
  [
    "a Filters key KMS does not know",
    "ListSecrets",
    { Filters: '[{"Key":"Colour","Values":["red"]}]' },
    "InvalidParameter",
    "Filters",
  ],
  ["a PageSize of 101", "ListSecrets", { PageSize: 101 }, "InvalidParameter", "PageSize"],
  [
    "a PageNumber that is not a number",
    "ListSecretVersionIds",
    { SecretName: FIXTURE, PageNumber: "two" },
    "InvalidParameter",
    "PageNumber",
  ],
  [
    "FetchTags that is not true or false",
    "DescribeSecret",
    { SecretName: FIXTURE, FetchTags: "yes" },
    "InvalidParameter",
    "FetchTags",
  ],
  [
    "a RecoveryWindowInDays of 3",
    "DeleteSecret",
    { SecretName: FIXTURE, RecoveryWindowInDays: 3 },
    "InvalidParameter",
    "RecoveryWindowInDays",
  ],
  [
    "a PasswordLength of 129",
    "GetRandomPassword",
    { PasswordLength: 129 },
    "InvalidParameter",
    "PasswordLength",
  ],
  [
    "malformed ExtendedConfig JSON",
    "UpdateSecret",
    { SecretName: FIXTURE, ExtendedConfig: "{oops" },
    "InvalidParameter",
    "ExtendedConfig",
  ],
];

describe("bad input is a 400 naming the parameter, and changes nothing", () => {
  it.each(CASES)("%s", async (_title, action, params, code, parameter) => {
    const before = await snapshot();

    const error = await kms.caller.call(action, params).then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect({ status: apiError.statusCode, code: apiError.code }).toEqual({ status: 400, code });
    expect(apiError.message).toContain(parameter);
    expect(apiError.message).not.toContain(SECRET_MARK);
    expect(JSON.stringify((apiError.cause as { data?: unknown }).data)).not.toContain(SECRET_MARK);
    expect(await snapshot()).toEqual(before);
  });

  it("accepts the largest valid SecretName (192) and SecretData (30,720 bytes)", async () => {
    await kms.createSecret({ secretName: longestName, secretData: largestData, versionId: "v1" });

    const value = await kms.getSecretValue({ secretName: longestName });

    expect(value.secretData).toBe(largestData);
    await kms.deleteSecret({ secretName: longestName, forceDeleteWithoutRecovery: true });
  });
});

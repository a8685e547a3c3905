/**
 * Fuzzing the local cloud's API: signed KMS calls with any parameters, and
 * raw HTTP requests with any method, path, query and headers. Every answer
 * is a result or an Alibaba error with a 4xx status (never a 500, never a
 * hang); a refused call changes nothing; no error message quotes the
 * secret data it was given.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { OpenApiCaller } from "../../src/cloud-api/openapi-caller.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";

const ACTIONS = [
  "CreateSecret",
  "PutSecretValue",
  "GetSecretValue",
  "UpdateSecretVersionStage",
  "ListSecretVersionIds",
  "DescribeSecret",
  "ListSecrets",
  "UpdateSecret",
  "DeleteSecret",
  "RestoreSecret",
  "GetRandomPassword",
  "TagResource",
  "UntagResource",
];
const PARAMETERS = [
  "SecretName",
  "SecretData",
  "VersionId",
  "SecretDataType",
  "VersionStage",
  "VersionStages",
  "RemoveFromVersion",
  "MoveToVersion",
  "IncludeDeprecated",
  "FetchExtendedConfig",
  "Description",
  "Tags",
  "TagKeys",
  "ForceDeleteWithoutRecovery",
  "RecoveryWindowInDays",
  "PasswordLength",
  "ExcludeCharacters",
  "ExcludeLowercase",
  "RequireEachIncludedType",
  "PageNumber",
  "PageSize",
  "Filters",
  "ResourceId",
  "SecretType",
  "ExtendedConfig",
  "EnableAutomaticRotation",
  "RotationInterval",
];

let cloud: RunningLocalCloud;
let caller: OpenApiCaller;
let admin: KmsClient;
const knownSecret = `fuzz/api/${randomUUID()}`;

beforeAll(async () => {
  cloud = await startLocalCloud({ port: 0 });
  caller = new OpenApiCaller({
    product: "kms",
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    retry: { attempts: 1 },
  });
  admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  await admin.createSecret({
    secretName: knownSecret,
    secretData: "initial-data-0001",
    versionId: "v1",
  });
});
afterAll(async () => {
  await cloud?.close();
});

const secretToken = fc.uuid().map((id) => `Dx${id.replaceAll("-", "")}`);
const parameterValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    "",
    "true",
    "false",
    "0",
    "-1",
    "9999999999",
    "ACSCurrent",
    "ACSPending",
    "[]",
    "{}",
    '["ACSCurrent"]',
    '[{"Key":"k","Value":"v"}]',
    "binary",
    "text",
    "v1",
  ),
  fc.constant(knownSecret),
  fc.jsonValue().map((value) => JSON.stringify(value)),
);
const call = fc.record({
  action: fc.constantFrom(...ACTIONS),
  params: fc.dictionary(fc.constantFrom(...PARAMETERS), parameterValue, { maxKeys: 8 }),
  secretData: fc.option(secretToken, { nil: undefined }),
});

/** The secret's versions and stages, or the error code when it can't be listed (e.g. being deleted). */
async function versionsOf(secretName: string): Promise<string> {
  const listing = await admin
    .listSecretVersionIds({ secretName, includeDeprecated: true })
    .catch((error: ApiError) => error);
  if (listing instanceof ApiError) return listing.code;
  const { versions } = listing;
  return JSON.stringify(
    versions.map((version) => [version.versionId, version.versionStages.sort()]).sort(),
  );
}

describe("local cloud API under fuzzed calls", () => {
  it("answers any signed KMS call with a result or a 4xx error that quotes no secret data", async () => {
    const created = new Set<string>([knownSecret]);
    await fc.assert(
      fc.asyncProperty(call, async ({ action, params, secretData }) => {
        const query: Record<string, string> = {
          ...params,
          ...(secretData ? { SecretData: secretData } : {}),
        };
        const target = query.SecretName;
        const before = target === knownSecret ? await versionsOf(knownSecret) : undefined;
        try {
          await caller.call(action, query);
          if (action === "CreateSecret" && target !== undefined) created.add(target);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          const apiError = error as ApiError;
          expect(apiError.statusCode).toBeGreaterThanOrEqual(400);
          expect(apiError.statusCode).toBeLessThan(500);
          expect(apiError.code).not.toBe("InternalFailure");
          if (secretData) expect(apiError.message.includes(secretData)).toBe(false);
          // A refused call changes nothing.
          if (before !== undefined) expect(await versionsOf(knownSecret)).toBe(before);
          if (action === "CreateSecret" && target !== undefined && !created.has(target)) {
            await expect(admin.describeSecret({ secretName: target })).rejects.toThrow(ApiError);
          }
        }
      }),
      { numRuns: 400 },
    );
  }, 240_000);

  it("answers any raw HTTP request with a 4xx Alibaba error, and keeps serving", async () => {
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
      path: fc.oneof(fc.constant("/"), fc.webPath()),
      query: fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            "Action",
            "Version",
            "Signature",
            "SignatureMethod",
            "AccessKeyId",
            "Timestamp",
            "SignatureNonce",
            "SecretName",
          ),
          fc.string({ minLength: 1, maxLength: 10 }),
        ),
        fc.string({ maxLength: 40 }),
        { maxKeys: 8 },
      ),
      headers: fc.dictionary(
        fc.constantFrom(
          "authorization",
          "x-acs-action",
          "x-acs-version",
          "x-acs-date",
          "x-acs-signature-nonce",
          "x-acs-content-sha256",
          "content-type",
        ),
        fc.string({ maxLength: 60 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
        { maxKeys: 6 },
      ),
      body: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, headers, body }) => {
        const url = new URL(cloud.endpoint);
        url.pathname = path;
        for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
        const response = await fetch(url, {
          method,
          headers,
          body: method === "GET" ? undefined : body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        const answer = JSON.parse(text) as { Code?: unknown; RequestId?: unknown };
        expect(typeof answer.Code).toBe("string");
        expect(typeof answer.RequestId).toBe("string");
      }),
      { numRuns: 300 },
    );
    // Assess: a real client still gets through
    const secretName = `fuzz/api/${randomUUID()}`;
    await admin.createSecret({ secretName, secretData: "after-the-fuzz-01", versionId: "v1" });
    expect((await admin.getSecretValue({ secretName })).secretData).toBe("after-the-fuzz-01");
  }, 240_000);
});

/**
 * Requests that must be refused before they change anything: a wrong or
 * unknown key, a tampered query or body, a stale timestamp, a replayed
 * nonce, a missing signature, an unsigned x-acs-* header, an unsupported
 * V1 SignatureMethod. Each is built with the test signer (valid requests
 * from it are accepted, so a refusal is the server's doing) and each test
 * checks the secret is exactly as it was.
 */
import { describe, expect, it } from "vitest";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { uniqueName, useLocalCloud } from "../support/local-cloud.ts";
import { type RawRequest, type SignInput, sendRaw, signV1, signV3 } from "./support/test-signer.ts";

const cloud = useLocalCloud();

/** A secret with one version, and a signed PutSecretValue that would add "v2" to it. */
async function prepare(): Promise<{ name: string; put: SignInput }> {
  const name = uniqueName("sig");
  await cloud().kms.createSecret({ secretName: name, secretData: "original", versionId: "v1" });
  return {
    name,
    put: {
      host: `127.0.0.1:${cloud().port}`,
      accessKeyId: cloud().credentials.accessKeyId,
      accessKeySecret: cloud().credentials.accessKeySecret,
      action: "PutSecretValue",
      query: { SecretName: name, SecretData: "planted", VersionId: "v2" },
    },
  };
}

/** Everything a refused request could have touched. */
async function snapshot(kms: KmsClient, name: string) {
  const { versions } = await kms.listSecretVersionIds({
    secretName: name,
    includeDeprecated: true,
  });
  const current = await kms.getSecretValue({ secretName: name });
  return { versions, data: current.secretData };
}

async function expectRefused(
  name: string,
  raw: RawRequest,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const before = await snapshot(cloud().kms, name);
  const response = await sendRaw(cloud().port, raw);
  expect({ status: response.status, code: response.body.Code }).toEqual({ status, code });
  expect(response.body.RequestId).toEqual(expect.any(String));
  expect(await snapshot(cloud().kms, name)).toEqual(before);
  return response.body;
}

/** Replaces one query parameter's value in an already signed request. */
function withQueryValue(raw: RawRequest, name: string, value: string): RawRequest {
  const url = new URL(raw.path, "http://x");
  url.searchParams.set(name, value);
  return { ...raw, path: `/?${url.searchParams.toString().replaceAll("+", "%20")}` };
}

describe("signature checks refuse bad requests and change nothing", () => {
  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("accepts a correctly signed %s request from the test signer", async (_v, sign) => {
    const { name, put } = await prepare();

    const response = await sendRaw(cloud().port, sign(put));

    expect(response.status).toBe(200);
    expect((await cloud().kms.getSecretValue({ secretName: name })).secretData).toBe("planted");
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("%s: a wrong AccessKey secret is SignatureDoesNotMatch", async (_v, sign) => {
    const { name, put } = await prepare();

    const body = await expectRefused(
      name,
      sign({ ...put, accessKeySecret: `${put.accessKeySecret}x` }),
      400,
      "SignatureDoesNotMatch",
    );

    expect(JSON.stringify(body)).not.toContain("planted");
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)(
    "%s: a query value changed after signing is SignatureDoesNotMatch",
    async (_v, sign) => {
      const { name, put } = await prepare();

      const tampered = withQueryValue(sign(put), "SecretData", "swapped");

      await expectRefused(name, tampered, 400, "SignatureDoesNotMatch");
    },
  );

  it("V3: a body changed after signing is SignatureDoesNotMatch", async () => {
    const { name, put } = await prepare();
    const signed = signV3({
      ...put,
      query: { SecretName: name },
      form: { SecretData: "planted", VersionId: "v2" },
    });

    await expectRefused(
      name,
      { ...signed, body: signed.body.replace("planted", "swapped") },
      400,
      "SignatureDoesNotMatch",
    );
  });

  it("V1: a form body changed after signing is SignatureDoesNotMatch", async () => {
    const { name, put } = await prepare();
    const signed = signV1({
      ...put,
      query: { SecretName: name },
      form: { SecretData: "planted", VersionId: "v2" },
    });

    await expectRefused(
      name,
      { ...signed, body: signed.body.replace("planted", "swapped") },
      400,
      "SignatureDoesNotMatch",
    );
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("%s: a timestamp 20 minutes old is IllegalTimestamp", async (_v, sign) => {
    const { name, put } = await prepare();

    await expectRefused(
      name,
      sign({ ...put, time: new Date(Date.now() - 20 * 60 * 1000) }),
      400,
      "IllegalTimestamp",
    );
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("%s: a timestamp 20 minutes ahead is IllegalTimestamp", async (_v, sign) => {
    const { name, put } = await prepare();

    await expectRefused(
      name,
      sign({ ...put, time: new Date(Date.now() + 20 * 60 * 1000) }),
      400,
      "IllegalTimestamp",
    );
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("%s: the same signed request sent twice is SignatureNonceUsed", async (_v, sign) => {
    const { name, put } = await prepare();
    const signed = sign({
      ...put,
      action: "TagResource",
      query: { SecretName: name, Tags: JSON.stringify([{ TagKey: "k", TagValue: "first" }]) },
    });
    const first = await sendRaw(cloud().port, signed);
    await cloud().kms.tagResource({ secretName: name, tags: [{ key: "k", value: "later" }] });

    await expectRefused(name, signed, 400, "SignatureNonceUsed");

    expect(first.status).toBe(200);
    const described = await cloud().kms.describeSecret({ secretName: name, fetchTags: true });
    expect(described.tags).toEqual([{ key: "k", value: "later" }]);
  });

  it.each([
    ["V3", signV3],
    ["V1", signV1],
  ] as const)("%s: an unknown AccessKey is 404 InvalidAccessKeyId.NotFound", async (_v, sign) => {
    const { name, put } = await prepare();

    await expectRefused(
      name,
      sign({ ...put, accessKeyId: "LTAIunknownunknown00000" }),
      404,
      "InvalidAccessKeyId.NotFound",
    );
  });

  it("a request with no signature at all is IncompleteSignature", async () => {
    const { name, put } = await prepare();
    const signed = signV3(put);
    const { authorization: _dropped, ...headers } = signed.headers;

    await expectRefused(name, { ...signed, headers }, 400, "IncompleteSignature");
  });

  it("V1 without its Signature parameter is IncompleteSignature", async () => {
    const { name, put } = await prepare();
    const signed = signV1(put);
    const url = new URL(signed.path, "http://x");
    url.searchParams.delete("Signature");

    await expectRefused(
      name,
      { ...signed, path: `/?${url.searchParams.toString().replaceAll("+", "%20")}` },
      400,
      "IncompleteSignature",
    );
  });

  it("V3: an x-acs-* header left out of SignedHeaders is IncompleteSignature", async () => {
    const { name, put } = await prepare();

    const body = await expectRefused(
      name,
      signV3(put, { extraHeaders: { "x-acs-extra": "1" }, unsigned: ["x-acs-extra"] }),
      400,
      "IncompleteSignature",
    );

    expect(body.Message).toContain("x-acs-extra");
  });

  it("V3: an x-acs-* header added after signing is IncompleteSignature", async () => {
    const { name, put } = await prepare();
    const signed = signV3(put);

    await expectRefused(
      name,
      { ...signed, headers: { ...signed.headers, "x-acs-security-token": "planted" } },
      400,
      "IncompleteSignature",
    );
  });

  it("V1 with SignatureMethod HMAC-SHA256 is IncompleteSignature naming the method", async () => {
    const { name, put } = await prepare();

    const body = await expectRefused(
      name,
      signV1(put, { signatureMethod: "HMAC-SHA256" }),
      400,
      "IncompleteSignature",
    );

    expect(body.Message).toContain("HMAC-SHA1");
  });
});

/**
 * The local cloud runs only what was signed. A V1 request signs its
 * parameters (`Action`, `Version`) but no header, so headers naming another
 * action or version are refused rather than obeyed; a V3 request signs its
 * x-acs-action header, and one that leaves it unsigned is refused. The
 * 15-minute timestamp window is strict at both edges, for both signature
 * versions, which also keeps a request from being replayed the moment its
 * nonce is forgotten. Each request is built by hand with the test signer;
 * each test checks the secret is exactly as it was.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type RawRequest,
  type SignInput,
  sendRaw,
  signV1,
  signV3,
} from "../local-cloud/support/test-signer.ts";
import { uniqueName, useLocalCloud } from "../support/local-cloud.ts";

const cloud = useLocalCloud({ inMemory: true });
const KMS_VERSION = "2016-01-20";
const RAM_VERSION = "2015-05-01";
const MINUTE = 60_000;

/** A secret with one version and one tag, and what a request for `action` on it needs to be signed. */
async function prepare(action: string, query: Record<string, string> = {}) {
  const name = uniqueName("signed-action");
  await cloud().kms.createSecret({
    secretName: name,
    secretData: "original",
    versionId: "v1",
    tags: [{ key: "k", value: "original" }],
  });
  const input: SignInput = {
    host: `127.0.0.1:${cloud().port}`,
    accessKeyId: cloud().credentials.accessKeyId,
    accessKeySecret: cloud().credentials.accessKeySecret,
    action,
    query: { SecretName: name, ...query },
  };
  return { name, input };
}

/** Everything a request could have changed on the secret: deletion, versions, value, tags. */
async function snapshot(name: string) {
  const kms = cloud().kms;
  const described = await kms.describeSecret({ secretName: name, fetchTags: true });
  const { versions } = await kms.listSecretVersionIds({
    secretName: name,
    includeDeprecated: true,
  });
  const current = await kms.getSecretValue({ secretName: name });
  return {
    plannedDeleteTime: described.plannedDeleteTime,
    tags: described.tags,
    versions,
    data: current.secretData,
  };
}

async function expectRefused(name: string, raw: RawRequest, code: string) {
  const before = await snapshot(name);
  const response = await sendRaw(cloud().port, raw);
  expect({ status: response.status, code: response.body.Code }).toEqual({ status: 400, code });
  expect(await snapshot(name)).toEqual(before);
  return response.body;
}

const withHeaders = (raw: RawRequest, headers: Record<string, string>): RawRequest => ({
  ...raw,
  headers: { ...raw.headers, ...headers },
});

describe("V1: the signed Action and Version parameters decide what runs", () => {
  it("refuses a DescribeSecret whose unsigned x-acs-action header says DeleteSecret", async () => {
    // Prepare: a request signed for DescribeSecret, with headers added after signing
    const { name, input } = await prepare("DescribeSecret");
    const swapped = withHeaders(signV1(input), {
      "x-acs-action": "DeleteSecret",
      "x-acs-version": KMS_VERSION,
    });

    // Act, Assess: refused, and the secret is not scheduled for deletion
    const body = await expectRefused(name, swapped, "IncompleteSignature");
    expect(body.Message).toContain("x-acs-action");
    expect((await snapshot(name)).plannedDeleteTime).toBeUndefined();
  });

  it("refuses a request whose unsigned x-acs-version header names another product", async () => {
    // Prepare: signed for KMS; the headers point it at RAM
    const { name, input } = await prepare("DescribeSecret");
    const swapped = withHeaders(signV1(input), {
      "x-acs-action": "DescribeSecret",
      "x-acs-version": RAM_VERSION,
    });

    // Act, Assess
    const body = await expectRefused(name, swapped, "IncompleteSignature");
    expect(body.Message).toContain("x-acs-version");
  });

  it("accepts headers that repeat the signed Action and Version (as the SDKs send them)", async () => {
    // Prepare
    const { name, input } = await prepare("TagResource", {
      Tags: JSON.stringify([{ TagKey: "k", TagValue: "changed" }]),
    });
    const repeated = withHeaders(signV1(input), {
      "x-acs-action": "TagResource",
      "x-acs-version": KMS_VERSION,
    });

    // Act
    const response = await sendRaw(cloud().port, repeated);

    // Assess
    expect(response.status).toBe(200);
    expect((await snapshot(name)).tags).toEqual([{ key: "k", value: "changed" }]);
  });
});

describe("V3: the action header must be signed", () => {
  it("refuses a request that leaves x-acs-action out of SignedHeaders", async () => {
    // Prepare: DeleteSecret, its action header unsigned (anyone could have swapped it)
    const { name, input } = await prepare("DeleteSecret");

    // Act, Assess
    const body = await expectRefused(
      name,
      signV3(input, { unsigned: ["x-acs-action"] }),
      "IncompleteSignature",
    );
    expect(body.Message).toContain("x-acs-action");
  });

  it("refuses a DescribeSecret whose signed x-acs-action was changed to DeleteSecret", async () => {
    // Prepare
    const { name, input } = await prepare("DescribeSecret");
    const swapped = withHeaders(signV3(input), { "x-acs-action": "DeleteSecret" });

    // Act, Assess
    await expectRefused(name, swapped, "SignatureDoesNotMatch");
  });
});

describe("the timestamp window's edges are strict", () => {
  // Both the signer (in this process) and the in-process server read Date: frozen, the edge is exact.
  const frozenAt = Date.UTC(2031, 4, 1, 8, 0, 0);
  afterEach(() => {
    vi.useRealTimers();
  });
  const freeze = (at: number) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at);
  };

  const signers = [
    ["V3", signV3],
    ["V1", signV1],
  ] as const;

  it.each(signers)(
    "%s: a request dated exactly 15:00 ahead is IllegalTimestamp",
    async (_v, sign) => {
      // Prepare
      freeze(frozenAt);
      const { name, input } = await prepare("DeleteSecret");

      // Act, Assess
      await expectRefused(
        name,
        sign({ ...input, time: new Date(frozenAt + 15 * MINUTE) }),
        "IllegalTimestamp",
      );
    },
  );

  it.each(signers)(
    "%s: a request dated exactly 15:00 ago is IllegalTimestamp",
    async (_v, sign) => {
      // Prepare
      freeze(frozenAt);
      const { name, input } = await prepare("DeleteSecret");

      // Act, Assess
      await expectRefused(
        name,
        sign({ ...input, time: new Date(frozenAt - 15 * MINUTE) }),
        "IllegalTimestamp",
      );
    },
  );

  it.each(signers)("%s: a request dated 14:59 ahead is accepted", async (_v, sign) => {
    // Prepare
    freeze(frozenAt);
    const { name, input } = await prepare("TagResource", {
      Tags: JSON.stringify([{ TagKey: "k", TagValue: "changed" }]),
    });

    // Act
    const response = await sendRaw(
      cloud().port,
      sign({ ...input, time: new Date(frozenAt + 15 * MINUTE - 1000) }),
    );

    // Assess
    expect(response.status).toBe(200);
    expect((await snapshot(name)).tags).toEqual([{ key: "k", value: "changed" }]);
  });

  it.each(signers)(
    "%s: a request replayed exactly 15:00 after it was signed is refused",
    async (_v, sign) => {
      // Prepare: a tag change sent once, then overwritten
      freeze(frozenAt);
      const { name, input } = await prepare("TagResource", {
        Tags: JSON.stringify([{ TagKey: "k", TagValue: "first" }]),
      });
      const signed = sign(input);
      expect((await sendRaw(cloud().port, signed)).status).toBe(200);
      await cloud().kms.tagResource({ secretName: name, tags: [{ key: "k", value: "later" }] });

      // Act: the nonce is remembered until the timestamp leaves the window, not one moment longer
      vi.setSystemTime(frozenAt + 15 * MINUTE);

      // Assess
      await expectRefused(name, signed, "IllegalTimestamp");
      expect((await snapshot(name)).tags).toEqual([{ key: "k", value: "later" }]);
    },
  );
});

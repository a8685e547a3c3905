/**
 * KmsClient (and the OpenApiCaller under it) against the real local cloud:
 * what its errors carry, how it retries throttling and network failures,
 * and what its observer sees.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { KmsClient } from "../../src/clients/kms-client.ts";
import type { CallRecord } from "../../src/clients/openapi-caller.ts";
import { ApiError, NetworkError } from "../../src/errors.ts";
import { startTestCloud, uniqueName, useLocalCloud } from "../support/local-cloud.ts";

const cloud = useLocalCloud({ inMemory: true });

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("KmsClient errors", () => {
  it("an ApiError carries code, status, request id, action and the SDK error as cause", async () => {
    const kms = cloud().kmsClient();
    const name = uniqueName("missing");

    const error = await failureOf(kms.getSecretValue({ secretName: name }));

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    const sdkError = apiError.cause as { code?: string; data?: Record<string, unknown> };
    expect(apiError).toMatchObject({
      name: "ApiError",
      action: "GetSecretValue",
      code: "Forbidden.ResourceNotFound",
      statusCode: 404,
    });
    expect(apiError.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(sdkError.code).toBe("Forbidden.ResourceNotFound");
    expect(sdkError.data?.RequestId).toBe(apiError.requestId);
    expect(apiError.message).toContain("GetSecretValue");
    expect(apiError.message).toContain(name);
  });

  it("a refused PutSecretValue does not quote the secret data in its error", async () => {
    const kms = cloud().kmsClient();
    const name = uniqueName("quote");
    await kms.createSecret({ secretName: name, secretData: "first-value", versionId: "v1" });

    const error = (await failureOf(
      kms.putSecretValue({ secretName: name, secretData: "hunter2-other", versionId: "v1" }),
    )) as ApiError;

    expect(error.code).toBe("Rejected.ResourceExist");
    expect(`${error.message} ${JSON.stringify(error.cause)}`).not.toMatch(/hunter2|first-value/);
  });

  it("does not retry an error that is a final answer", async () => {
    const attempts: CallRecord[] = [];
    const kms = cloud().kmsClient({ observer: { before: (call) => void attempts.push(call) } });

    await failureOf(kms.describeSecret({ secretName: uniqueName("absent") }));

    expect(attempts).toEqual([{ product: "kms", action: "DescribeSecret", attempt: 1 }]);
  });

  it("a closed port is a NetworkError after every attempt, each seen by the observer", async () => {
    const port = await closedPort();
    const seen: { attempt: number; error: string }[] = [];
    const kms = new KmsClient({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "LTAIexample000000000000", accessKeySecret: "example" },
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      connectTimeoutMs: 5_000,
      observer: {
        after: (call, outcome) =>
          void seen.push({ attempt: call.attempt, error: (outcome.error as Error)?.name }),
      },
    });

    const error = await failureOf(kms.getSecretValue({ secretName: "anything" }));

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).action).toBe("GetSecretValue");
    expect((error as NetworkError).cause).toBeDefined();
    expect(seen).toEqual([
      { attempt: 1, error: "NetworkError" },
      { attempt: 2, error: "NetworkError" },
      { attempt: 3, error: "NetworkError" },
    ]);
  });

  it("the observer sees each call's request id, and a throwing `before` stops the call", async () => {
    const outcomes: (string | undefined)[] = [];
    let failNext = false;
    const kms = cloud().kmsClient({
      observer: {
        before: () => {
          if (failNext) throw new Error("injected fault");
        },
        after: (_call, outcome) => void outcomes.push(outcome.requestId),
      },
    });
    const name = uniqueName("observed");
    const created = await kms.createSecret({ secretName: name, secretData: "a", versionId: "v1" });
    failNext = true;

    const injected = await failureOf(
      kms.putSecretValue({ secretName: name, secretData: "b", versionId: "v2" }),
    );

    expect(outcomes).toEqual([created.requestId]);
    expect((injected as Error).message).toBe("injected fault");
    const { versions } = await cloud().kms.listSecretVersionIds({ secretName: name });
    expect(versions.map((v) => v.versionId)).toEqual(["v1"]);
  });
});

describe("throttling (throttle: {GetSecretValue: 5})", () => {
  it("answers a burst with 429 Rejected.Throttling; KmsClient retries until every call succeeds", async () => {
    const throttled = await startTestCloud({ inMemory: true, throttle: { GetSecretValue: 5 } });
    try {
      const setup = throttled.kmsClient();
      await setup.createSecret({ secretName: "hot", secretData: "value", versionId: "v1" });
      const noRetry = throttled.kmsClient({ retry: { attempts: 1 } });
      const attempts: CallRecord[] = [];
      const retrying = throttled.kmsClient({
        retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 },
        observer: { before: (call) => void attempts.push(call) },
      });

      const burst = await Promise.allSettled(
        Array.from({ length: 20 }, () => noRetry.getSecretValue({ secretName: "hot" })),
      );
      const others = await Promise.all(
        Array.from({ length: 20 }, () => noRetry.describeSecret({ secretName: "hot" })),
      );
      const retried = await Promise.all(
        Array.from({ length: 15 }, () => retrying.getSecretValue({ secretName: "hot" })),
      );

      const refusals = burst.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(ApiError);
        expect(refusal).toMatchObject({ code: "Rejected.Throttling", statusCode: 429 });
      }
      expect(others).toHaveLength(20);
      expect(retried.map((r) => r.secretData)).toEqual(Array(15).fill("value"));
      expect(attempts.length).toBeGreaterThan(15);
    } finally {
      await throttled.close();
    }
  });
});

describe("KmsClient.describeSecret", () => {
  it("reports KMS's own rotation of a managed secret, and none for a generic one", async () => {
    const kms = cloud().kmsClient();
    const managed = uniqueName("rds");
    const generic = uniqueName("generic");
    await kms.caller.call("CreateSecret", {
      SecretName: managed,
      SecretData: JSON.stringify({ Accounts: [] }),
      VersionId: "v1",
      SecretType: "Rds",
      ExtendedConfig: JSON.stringify({ SecretSubType: "SingleUser", DBInstanceId: "rm-audit" }),
      EnableAutomaticRotation: "true",
      RotationInterval: "30d",
    });
    await kms.createSecret({ secretName: generic, secretData: "generic-value", versionId: "v1" });

    const described = await kms.describeSecret({ secretName: managed });
    const plain = await kms.describeSecret({ secretName: generic });

    expect(described).toMatchObject({
      secretType: "Rds",
      automaticRotation: "Enabled",
      rotationInterval: "30d",
    });
    expect(described.lastRotationDate).toBeUndefined();
    expect(plain).toMatchObject({ secretType: "Generic", automaticRotation: "Disabled" });
    expect(plain.rotationInterval).toBeUndefined();
  });
});

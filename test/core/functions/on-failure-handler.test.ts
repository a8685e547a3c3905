/**
 * The onFailure handler reads FC's destination record as untrusted JSON,
 * field by field: a field of the wrong type counts as absent instead of
 * crashing the handler, so the failure is still recorded on its secret.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { createOnFailureHandler } from "../../../src/core/functions/on-failure-handler.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../src/local-cloud/embedded.ts";

let cloud: RunningLocalCloud;
let admin: KmsClient;

beforeAll(async () => {
  cloud = await startLocalCloud();
  admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  // The handler's KMS client finds the cloud as a deployed function does: ROTOR_ENDPOINT.
  vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await cloud?.close();
});

async function tagsOf(secretName: string): Promise<Record<string, string>> {
  const { tags } = await admin.describeSecret({ secretName, fetchTags: true });
  return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
}

describe("onFailure handler", () => {
  it("records the failure when the record's context fields have the wrong types", async () => {
    // Prepare
    const secretName = `on-failure/${randomUUID()}`;
    await admin.createSecret({
      secretName,
      secretData: "{}",
      versionId: `v0-${randomUUID()}`,
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    const record = {
      requestContext: { functionArn: 42, approximateInvokeCount: "three" },
      requestPayload: JSON.stringify({ SecretName: secretName }),
      responseContext: { functionError: { nested: true } },
    };
    const handler = createOnFailureHandler({ notifier: undefined });
    // Act
    const answer = await handler(Buffer.from(JSON.stringify(record)), {
      requestId: randomUUID(),
      credentials: cloud.credentials,
      region: cloud.region,
    });
    // Assess
    expect(answer).toEqual({ SecretName: secretName, Notified: false });
    const tags = await tagsOf(secretName);
    expect(tags["rotor:status"]).toBe("failed");
    expect(tags["rotor:last-error"]).toBe("the rotation failed without a message");
  });
});

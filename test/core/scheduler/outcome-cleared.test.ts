import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.ts";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { recordOutcome } from "../../../src/core/contract/tags/outcome-tags.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

describe("a failure recorded on a secret", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  });
  afterAll(() => cloud.close());

  const tagsOf = async (secretName: string) =>
    Object.fromEntries(
      (await kms.describeSecret({ secretName, fetchTags: true })).tags.map((t) => [t.key, t.value]),
    );

  it("is bounded and redacted, and removed by the next successful rotation", async () => {
    await kms.createSecret({
      secretName: "outcome/token",
      secretData: "outcome-secret-value",
      versionId: "initial",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    await recordOutcome(kms, "outcome/token", {
      status: "failed",
      at: Date.parse("2024-01-01T00:00:00Z"),
      error: `login with outcome-secret-value refused ${"x".repeat(400)}`,
      secrets: ["outcome-secret-value"],
    });
    const failed = await tagsOf("outcome/token");
    expect(failed["rotor:status"]).toBe("failed");
    expect(failed["rotor:last-attempt"]).toBe("2024-01-01T00:00:00Z");
    expect(failed["rotor:last-error"]).toMatch(/^login with \[redacted\] refused x+…$/);
    expect(failed["rotor:last-error"]?.length).toBe(256);

    const env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    };
    const code = await main(["rotate", "outcome/token"], { out: () => {}, err: () => {}, env });

    expect(code).toBe(0);
    const after = await tagsOf("outcome/token");
    expect(after["rotor:status"]).toBeUndefined();
    expect(after["rotor:last-error"]).toBeUndefined();
    expect(after["rotor:last-attempt"]).toBeUndefined();
    expect(after["rotor:rotator"]).toBe("generic");
  });
});

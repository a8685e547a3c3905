/**
 * The function as Function Compute runs it: src/index.ts deployed on a
 * local cloud (`@rotor/local-cloud`) with the environment s.yaml gives it,
 * invoked through the FC API the way the scheduler or `rotor rotate` does,
 * rotating a secret stored in the local cloud's KMS.
 */
import { KmsClient } from "@rotor/core/cloud-api";
import { FcClient } from "@rotor/core/scheduler";
import { type RunningLocalCloud, startLocalCloud } from "@rotor/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTokenService, type TokenService } from "./support/token-service.ts";

describe("the api-token function on a local cloud", () => {
  let cloud: RunningLocalCloud;
  let service: TokenService;

  beforeAll(async () => {
    service = await startTokenService();
    cloud = await startLocalCloud();
    cloud.fc.deploy({
      name: "rotate-api-token",
      timeoutSeconds: 120,
      // Loaded on the first invocation, inside the function's environment, as on FC.
      handler: { load: async () => (await import("../src/index.ts")).handler },
      environment: {
        ROTOR_ENDPOINT: cloud.endpoint,
        TOKEN_SERVICE_URL: service.url,
        ROTOR_SECRET_PREFIXES: "rotor/api-token/",
      },
    });
  });
  afterAll(async () => {
    await cloud?.close();
    await service?.close();
  });

  it("rotates a secret: a new token the service accepts becomes ACSCurrent", async () => {
    // Prepare
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const first = service.issueToken();
    await kms.createSecret({
      secretName: "rotor/api-token/app",
      secretData: JSON.stringify({ Token: first }),
      versionId: "v1",
      tags: [
        { key: "rotor:rotator", value: "api-token" },
        { key: "rotor:function", value: "rotate-api-token" },
      ],
    });
    const fc = new FcClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      timeoutMs: 120_000,
    });
    // Act
    const output = await fc.invokeSync("rotate-api-token", { SecretName: "rotor/api-token/app" });
    // Assess
    expect(JSON.parse(output)).toMatchObject({ Outcome: "rotated" });
    const current = await kms.getSecretValue({ secretName: "rotor/api-token/app" });
    const { Token } = JSON.parse(current.secretData) as { Token: string };
    expect(current.versionId).not.toBe("v1");
    expect(Token).not.toBe(first);
    expect(service.accepts(Token)).toBe(true);
  });
});

/**
 * What s.yaml deploys for a failing rotation, end to end on the local
 * cloud's Function Compute: functions/rotate-generic invoked
 * asynchronously with two retries and functions/on-failure as its
 * onFailure destination, the webhook target answering HTTP 500. Each
 * retry really runs the rotation again, with the same pending value (the
 * failed attempt gave its lease up), and what onFailure records on the
 * secret and announces is the rotation's own error.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { functionModule } from "../../src/local-cloud/fc/local-function.ts";
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from "../core/rotators/generic/webhook-receiver.ts";

describe("a failing rotation under FC's async retries and onFailure", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let receiver: WebhookReceiver;
  let notify: Server;
  const notifications: { secretName?: string; error?: string; attempts?: number }[] = [];
  const keySecret = `retries/webhook-key-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const key = randomBytes(32).toString("hex");
    notify = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        notifications.push(JSON.parse(body));
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => notify.listen(0, "127.0.0.1", resolve));
    [cloud, receiver] = await Promise.all([startLocalCloud(), startWebhookReceiver(key)]);
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await kms.createSecret({ secretName: keySecret, secretData: key, versionId: "v1" });
    const environment = {
      ROTOR_ENDPOINT: cloud.endpoint,
      // What the deployer allows: this loopback webhook target.
      ROTOR_WEBHOOK_ORIGINS: new URL(receiver.url).origin,
      ROTOR_NOTIFY_URL: `http://127.0.0.1:${(notify.address() as AddressInfo).port}/failures`,
      ROTOR_NOTIFY_FORMAT: "generic",
    };
    cloud.fc.deploy({
      name: "on-failure",
      environment,
      handler: functionModule("../../../functions/on-failure/index.ts"),
    });
    cloud.fc.deploy({
      name: "rotate-generic",
      environment,
      // As s.yaml: maxAsyncRetryAttempts 2, onFailure the on-failure function.
      async: { maxRetries: 2, onFailure: "on-failure" },
      retryDelayMs: () => 10,
      handler: functionModule("../../../functions/rotate-generic/index.ts"),
    });
  });
  afterAll(async () => {
    await Promise.all([
      cloud?.close(),
      receiver?.close(),
      new Promise((resolve) => notify?.close(resolve)),
    ]);
  });

  it("retries the rotation itself twice, then records and announces its real error", async () => {
    // Prepare: a generic secret whose webhook answers HTTP 500.
    const secretName = `retries/${randomUUID().slice(0, 8)}`;
    const first = JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() });
    await kms.createSecret({
      secretName,
      versionId: "v0",
      secretData: first,
      tags: [
        { key: "rotor:rotator", value: "generic" },
        { key: "rotor:webhook-url", value: receiver.url },
        { key: "rotor:webhook-key-secret", value: keySecret },
        { key: "rotor:webhook-attempts", value: "1" },
      ],
    });
    receiver.failNext(1_000, 500);
    const start = receiver.requests.length;
    const fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });

    // Act
    await fc.invokeAsync("rotate-generic", { SecretName: secretName });
    await cloud.fc.idle();
    await cloud.fc.idle();

    // Assess
    const invocation = cloud.fc.invocations().find((i) => i.functionName === "rotate-generic");
    expect(invocation).toMatchObject({ attempts: 3, outcome: "failed" });
    const calls = receiver.requests.slice(start);
    const token = calls[0]?.versionId;
    expect(calls).toEqual(
      Array.from({ length: 3 }, () => ({ action: "set", versionId: token, signed: true })),
    );
    const { tags } = await kms.describeSecret({ secretName, fetchTags: true });
    const byKey = Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
    expect(byKey["rotor:status"]).toBe("failed");
    expect(byKey["rotor:last-error"]).toContain("HTTP 500");
    expect(byKey["rotor:last-error"]).not.toContain("RotationInProgressError");
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.secretName).toBe(secretName);
    expect(notifications[0]?.error).toContain("HTTP 500");
    expect((await kms.getSecretValue({ secretName })).versionId).toBe("v0");
  });
});

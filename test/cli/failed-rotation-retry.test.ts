/**
 * A rotation that fails after storing its pending version (here: the
 * webhook answers HTTP 500) gives its lease up when it ends: run again at
 * once, `rotor rotate` really retries, with the same pending value, and
 * fails with the real error again rather than "another invocation holds
 * it"; once the target works, the next run completes that rotation.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from "../core/rotators/generic/webhook-receiver.ts";

describe("rotor rotate after a failed rotation", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  const keySecret = `retry/webhook-key-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const key = randomBytes(32).toString("hex");
    [cloud, receiver] = await Promise.all([startLocalCloud(), startWebhookReceiver(key)]);
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await kms.createSecret({ secretName: keySecret, secretData: key, versionId: "v1" });
    const origin = new URL(receiver.url).origin;
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: cloud.region,
      ROTOR_WEBHOOK_ORIGINS: origin,
    };
    // The deploy policy is read from the process's environment: allow the loopback receiver.
    vi.stubEnv("ROTOR_WEBHOOK_ORIGINS", origin);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([cloud?.close(), receiver?.close()]);
  });

  async function rotor(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("retries at once with the same value, fails with the real error, and completes once the target works", async () => {
    // Prepare: the webhook answers HTTP 500 until told otherwise.
    const secretName = `retry/${randomUUID().slice(0, 8)}`;
    const first = JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() });
    receiver.accepted.add(first);
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

    // Act
    const failed = await rotor("rotate", secretName);
    const status = await rotor("status", secretName, "--json");
    const retried = await rotor("rotate", secretName);
    const tagsAfterRetry = await tagsOf(secretName);
    receiver.failNext(0, 500);
    const completed = await rotor("rotate", secretName, "--json");

    // Assess
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("HTTP 500");
    expect(JSON.parse(status.out).lock).toMatchObject({ state: "released" });
    expect(retried.code).toBe(1);
    expect(retried.err).toContain("HTTP 500");
    expect(retried.err).not.toContain("another invocation holds it");
    const calls = receiver.requests.slice(start);
    const token = calls[0]?.versionId;
    expect(token).toMatch(/^rotor-/);
    expect(calls.slice(0, 2)).toEqual([
      { action: "set", versionId: token, signed: true },
      { action: "set", versionId: token, signed: true },
    ]);
    expect(tagsAfterRetry["rotor:last-failure"]).toMatch(/ setSecret WebhookError$/);
    expect(completed.code).toBe(0);
    expect(JSON.parse(completed.out)).toMatchObject({
      versionId: token,
      outcome: "rotated",
      resumed: true,
    });
    const tags = await tagsOf(secretName);
    expect(Object.keys(tags).filter((key) => /last-failure|lease-released/.test(key))).toEqual([]);
  });

  async function tagsOf(secretName: string): Promise<Record<string, string>> {
    const { tags } = await kms.describeSecret({ secretName, fetchTags: true });
    return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
  }
});

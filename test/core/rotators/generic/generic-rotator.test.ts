import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../../../src/cloud-api/errors.ts";
import { DEFAULT_EXCLUDED_CHARACTERS } from "../../../../src/core/rotators/generic/generic-config.ts";
import { faultInjector } from "../../../../src/testing/fault-injector.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../../src/testing/rotation-harness.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

let harness: RotationHarness;
let receiver: WebhookReceiver;
const key = randomBytes(32).toString("hex");
let keySecret: string;

beforeAll(async () => {
  harness = await startRotationHarness();
  receiver = await startWebhookReceiver(key);
  // The deployment of the function under test lets it call this receiver, and nothing else.
  process.env.ROTOR_WEBHOOK_ORIGINS = receiver.origin;
  keySecret = harness.uniqueName("generic-key");
  await harness.createSecret({ name: keySecret, data: key, tags: {} });
});
afterAll(async () => {
  await receiver?.close();
  await harness?.close();
});

async function rotated(data: string, tags: Record<string, string>) {
  const name = harness.uniqueName("generic");
  await harness.createSecret({ name, data, tags: { "rotor:rotator": "generic", ...tags } });
  const injector = faultInjector();
  await harness.engine({ beforeExternalCall: injector.hook }).rotate({ secretName: name });
  const current = await harness.admin.getSecretValue({ secretName: name });
  return { name, data: current.secretData, calls: injector.calls.map((call) => call.name) };
}

describe("generic rotator", () => {
  it("gives a text secret a new 32-character password free of /@\"'\\, spaces and shell characters", async () => {
    // Act
    const values = [];
    for (let round = 0; round < 5; round++) values.push((await rotated("old-text-value", {})).data);
    // Assess
    for (const value of values) {
      expect(value).toHaveLength(32);
      expect([...value].filter((char) => DEFAULT_EXCLUDED_CHARACTERS.includes(char))).toEqual([]);
    }
    expect(new Set(values).size).toBe(5);
  });

  it("changes only the named field of a JSON secret and keeps the others", async () => {
    // Prepare
    const initial = { Host: "db.internal", Port: 3306, Token: "old-token-value" };
    // Act
    const { data } = await rotated(JSON.stringify(initial), {
      "rotor:field": "Token",
      "rotor:length": "20",
    });
    // Assess
    const value = JSON.parse(data) as typeof initial;
    expect(value.Host).toBe("db.internal");
    expect(value.Port).toBe(3306);
    expect(value.Token).toHaveLength(20);
    expect(value.Token).not.toBe("old-token-value");
  });

  it.each([
    ["hex", /^[0-9a-f]{48}$/],
    ["base64", /^[A-Za-z0-9+/]{32}$/],
  ])(
    "makes %s values from random bytes without calling GetRandomPassword",
    async (generator, shape) => {
      // Act
      const { data, calls } = await rotated("old-text-value", {
        "rotor:generator": generator,
        "rotor:length": "24",
      });
      // Assess
      expect(data).toMatch(shape);
      expect(calls).not.toContain("GetRandomPassword");
    },
  );

  it("follows the password policy tags", async () => {
    // Act
    const { data } = await rotated("old-text-value", {
      "rotor:length": "40",
      "rotor:exclude-punctuation": "true",
    });
    // Assess
    expect(data).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it("refuses a webhook origin the deployment does not list, before any write", async () => {
    // Prepare
    const name = harness.uniqueName("generic-http");
    await harness.createSecret({
      name,
      data: "old-text-value",
      tags: {
        "rotor:rotator": "generic",
        "rotor:webhook-url": "http://example.invalid/rotate",
        "rotor:webhook-key-secret": keySecret,
      },
    });
    const before = await harness.versions(name);
    // Act
    const attempt = harness.engine().rotate({ secretName: name });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyError);
    await expect(attempt).rejects.toThrow(
      `names http://example.invalid, which this function may not call (ROTOR_WEBHOOK_ORIGINS: ${receiver.origin})`,
    );
    expect(await harness.versions(name)).toEqual(before);
  });

  it("signs webhook calls; a receiver with another key refuses (4xx, not retried) and setSecret fails", async () => {
    // Prepare
    const otherKey = harness.uniqueName("other-key");
    await harness.createSecret({ name: otherKey, data: randomUUID(), tags: {} });
    const name = harness.uniqueName("generic-signed");
    await harness.createSecret({
      name,
      data: "old-text-value",
      tags: {
        "rotor:rotator": "generic",
        "rotor:webhook-url": receiver.url,
        "rotor:webhook-key-secret": otherKey,
      },
    });
    const start = receiver.requests.length;
    // Act
    const attempt = harness.engine().rotate({ secretName: name });
    // Assess
    await expect(attempt).rejects.toThrow(/Webhook set for secret .* failed: HTTP 401/);
    expect(receiver.requests.slice(start)).toEqual([
      { action: "set", versionId: expect.stringMatching(/^rotor-/), signed: false },
    ]);
  });

  it("retries a webhook answering 5xx within its bound, then succeeds", async () => {
    // Prepare
    const name = harness.uniqueName("generic-retry");
    await harness.createSecret({
      name,
      data: "old-text-value",
      tags: {
        "rotor:rotator": "generic",
        "rotor:webhook-url": receiver.url,
        "rotor:webhook-key-secret": keySecret,
      },
    });
    receiver.failNext(2, 503);
    const start = receiver.requests.length;
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    expect(receiver.requests.slice(start).map((request) => request.action)).toEqual([
      "set",
      "set",
      "set",
      "test",
    ]);
    expect(
      receiver.accepted.has((await harness.admin.getSecretValue({ secretName: name })).secretData),
    ).toBe(true);
  });
});

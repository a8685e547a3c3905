import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { defineRotator, textSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import { createJsonLogger } from "../../../src/core/engine/json-logger.ts";
import { runRotation } from "../../../src/core/functions/run-rotation.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

/** A target that accepts any value; apply waits until the test lets it go, to hold the lock. */
let releaseApply: (() => void) | undefined;
const holding = new Promise<void>((resolve) => {
  releaseApply = resolve;
});
let applyCalls = 0;
const revoked: string[] = [];
const slowTarget = defineRotator({
  kind: "slow-target",
  description: "a target whose first apply takes a while",
  value: textSecretValue(),
  config: z.object({}).passthrough(),
  async createValue() {
    return `value-${Math.random().toString(36).slice(2)}`;
  },
  async apply() {
    if (applyCalls++ === 0) await holding;
  },
  async test() {},
  async revoke({ revoked: value }) {
    revoked.push(value);
  },
});

describe("an emergency rotation that meets a rotation in progress", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  const lines: string[] = [];

  beforeAll(async () => {
    cloud = await startLocalCloud();
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await kms.createSecret({
      secretName: "emergency/leaked",
      secretData: "the-leaked-initial-value",
      versionId: "initial",
      tags: [{ key: "rotor:rotator", value: "slow-target" }],
    });
  });
  afterAll(() => cloud.close());

  const deps = () => ({
    log: createJsonLogger((line) => lines.push(line)),
    deadline: Date.now() + 60_000,
    rotators: [slowTarget],
    kms: { endpoint: cloud.endpoint },
    credentials: cloud.credentials,
  });

  it("waits for the running rotation to finish, then rotates again and revokes", async () => {
    const scheduled = runRotation({ secretName: "emergency/leaked" }, deps());
    // Let the scheduled rotation take the lock before the emergency arrives.
    while (applyCalls === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const emergency = runRotation({ secretName: "emergency/leaked", emergency: true }, deps());
    await new Promise((resolve) => setTimeout(resolve, 700));
    releaseApply?.();
    const [first, second] = await Promise.all([scheduled, emergency]);

    expect(first.outcome).toBe("rotated");
    expect(second.outcome).toBe("rotated");
    expect(second.versionId).not.toBe(first.versionId);
    const current = await kms.getSecretValue({ secretName: "emergency/leaked" });
    expect(current.versionId).toBe(second.versionId);
    // The emergency revoked the value that leaked (current when it came), then
    // the one the scheduled rotation had made current, which it rotated again.
    expect(revoked).toHaveLength(2);
    expect(revoked[0]).toBe("the-leaked-initial-value");
    expect(lines.some((line) => line.includes("emergency-waits-for-rotation"))).toBe(true);
    expect(lines.join("\n")).not.toContain("the-leaked-initial-value");
  });
});

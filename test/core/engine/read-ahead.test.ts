/**
 * Rotator.readsSecrets: the engine reads the secrets a rotator names while
 * createSecret stores the pending version, and ctx.readSecret answers from
 * that read. A failed read surfaces where the rotator asks for it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError } from "../../../src/cloud-api/errors.ts";
import type { ExternalCall } from "../../../src/core/contract/rotator-contract.ts";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

/** What apply read from the source secret, by rotated secret. */
const readBySecret = new Map<string, string>();

const readingRotator = defineRotator({
  kind: "reading",
  description: "reads another secret (its Source) in apply",
  value: jsonSecretValue(
    z.object({ Token: z.string().min(8), Source: z.string() }),
    '{"Token":"…","Source":"…"}',
  ),
  config: z.object({ "skip-read": z.enum(["true", "false"]).optional() }),
  readsSecrets: (current) => [current.Source],
  async createValue(current) {
    return { ...current, Token: randomUUID() };
  },
  async apply({ current }, ctx) {
    if (ctx.config["skip-read"] === "true") return;
    readBySecret.set(ctx.secretName, await ctx.readSecret(current.Source));
  },
  async test() {},
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([readingRotator]);
});
afterAll(async () => {
  await harness?.close();
});

async function secretReading(source: string, tags: Record<string, string> = {}) {
  const name = harness.uniqueName("reads");
  await harness.createSecret({
    name,
    data: JSON.stringify({ Token: randomUUID(), Source: source }),
    tags: { "rotor:rotator": "reading", ...tags },
  });
  return name;
}

async function sourceSecret(data: string) {
  const name = harness.uniqueName("source");
  await harness.createSecret({ name, data, tags: {} });
  return name;
}

describe("secrets a rotator reads", () => {
  it("are read while the pending version is stored, and apply gets that read without another call", async () => {
    // Prepare
    const source = await sourceSecret('{"AccountName":"admin","AccountPassword":"s3cret-pw"}');
    const name = await secretReading(source);
    const kmsCalls: string[] = [];
    const engine = harness.engine({
      beforeExternalCall: (call: ExternalCall) => {
        if (call.kind === "kms") kmsCalls.push(call.name);
      },
    });

    // Act
    await engine.rotate({ secretName: name });

    // Assess
    expect(readBySecret.get(name)).toBe('{"AccountName":"admin","AccountPassword":"s3cret-pw"}');
    // ACSCurrent, the versions and the tags, then the source read beside PutSecretValue; none in setSecret.
    expect(kmsCalls.slice(0, 5).sort()).toEqual([
      "DescribeSecret",
      "GetSecretValue",
      "GetSecretValue",
      "ListSecretVersionIds",
      "PutSecretValue",
    ]);
    expect(kmsCalls.indexOf("PutSecretValue")).toBe(4);
    expect(kmsCalls.slice(5)).toEqual([
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
    ]);
    await harness.assertConsistent(name);
  });

  it("fail setSecret, not createSecret, when the read fails; a later invocation resumes once it works", async () => {
    // Prepare
    const missing = harness.uniqueName("not-yet");
    const name = await secretReading(missing);

    // Act
    const error = await harness
      .engine()
      .rotate({ secretName: name })
      .catch((e: unknown) => e);
    await harness.createSecret({ name: missing, data: "the-source-value", tags: {} });
    // After the failed holder's lease has run out.
    const resumed = await harness.engine({ clockOffsetMs: 3_600_000 }).rotate({ secretName: name });

    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("Forbidden.ResourceNotFound");
    expect(resumed.resumed).toBe(true);
    expect(resumed.steps).toEqual(["setSecret", "testSecret", "finishSecret"]);
    expect(readBySecret.get(name)).toBe("the-source-value");
    await harness.assertConsistent(name);
  });

  it("that the rotator does not ask for after all cost nothing, even when the read failed", async () => {
    // Prepare: an unhandled rejection would fail this test file.
    const name = await secretReading(harness.uniqueName("never-made"), {
      "rotor:skip-read": "true",
    });

    // Act
    const result = await harness.engine().rotate({ secretName: name });

    // Assess
    expect(result.outcome).toBe("rotated");
    expect(readBySecret.has(name)).toBe(false);
    await harness.assertConsistent(name);
  });
});

/**
 * RotatorContext.onInvocationEnd: what a rotator opened ahead for a later
 * step is let go of when the invocation ends, however it ends.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

/** Hooks that ran, by secret, in order. */
const ended = new Map<string, string[]>();

const openingRotator = defineRotator({
  kind: "opening",
  description: "opens something in createValue and asks for it to be closed",
  value: jsonSecretValue(z.object({ Token: z.string().min(8) }), '{"Token":"…"}'),
  config: z.object({
    "fail-test": z.enum(["true", "false"]).optional(),
    "fail-hook": z.enum(["true", "false"]).optional(),
  }),
  async createValue(current, ctx) {
    ctx.onInvocationEnd(() => {
      ended.set(ctx.secretName, [...(ended.get(ctx.secretName) ?? []), "closed"]);
      if (ctx.config["fail-hook"] === "true") throw new Error("the hook itself failed");
    });
    return { ...current, Token: randomUUID() };
  },
  async apply() {},
  async test(_value, ctx) {
    if (ctx.config["fail-test"] === "true") throw new Error("the target refused the value");
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([openingRotator]);
});
afterAll(async () => {
  await harness?.close();
});

async function secret(tags: Record<string, string> = {}) {
  const name = harness.uniqueName("ending");
  await harness.createSecret({
    name,
    data: JSON.stringify({ Token: randomUUID() }),
    tags: { "rotor:rotator": "opening", ...tags },
  });
  return name;
}

describe("end-of-invocation hooks", () => {
  it("run once after a full rotation", async () => {
    // Prepare
    const name = await secret();
    // Act
    await harness.engine().rotate({ secretName: name });
    // Assess
    expect(ended.get(name)).toEqual(["closed"]);
  });

  it("run once when the invocation does createSecret alone", async () => {
    // Prepare
    const name = await secret();
    // Act
    const result = await harness.engine().rotate({ secretName: name, step: "createSecret" });
    // Assess
    expect(result.outcome).toBe("step-done");
    expect(ended.get(name)).toEqual(["closed"]);
  });

  it("run once when the rotation fails, and the rotation's own error is what the caller sees", async () => {
    // Prepare
    const name = await secret({ "rotor:fail-test": "true", "rotor:fail-hook": "true" });
    // Act
    const error = await harness
      .engine()
      .rotate({ secretName: name })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain("the target refused the value");
    expect(ended.get(name)).toEqual(["closed"]);
    expect(
      harness.logLines.some(
        (line) => line.includes("invocation-end-hook-failed") && line.includes(name),
      ),
    ).toBe(true);
  });
});

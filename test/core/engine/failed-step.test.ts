/**
 * An error leaves the engine naming the step it failed in (failed-step.ts):
 * the failure record on the secret and the function's error line read
 * that field, whichever step failed and however the rotation was asked.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import { LAST_FAILURE_TAG } from "../../../src/core/contract/tags/engine-tags.ts";
import { failedStepOf } from "../../../src/core/engine/failed-step.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

const failingRotator = defineRotator({
  kind: "failing",
  description: "fails in the step its tag names",
  value: jsonSecretValue(z.object({ Token: z.string().min(8) }), '{"Token":"…"}'),
  config: z.object({
    "fail-in": z.enum(["createSecret", "setSecret", "testSecret", "finishSecret"]).optional(),
  }),
  async createValue(current, ctx) {
    if (ctx.config["fail-in"] === "createSecret") throw new Error("no new value today");
    return { ...current, Token: randomUUID() };
  },
  async apply(_values, ctx) {
    if (ctx.config["fail-in"] === "setSecret") throw new Error("the target is down");
  },
  async test(_value, ctx) {
    if (ctx.config["fail-in"] === "testSecret") throw new Error("the target refused the value");
  },
  async finish(_values, ctx) {
    if (ctx.config["fail-in"] === "finishSecret") throw new Error("the target would not let go");
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([failingRotator]);
});
afterAll(async () => {
  await harness?.close();
});

async function secret(tags: Record<string, string>) {
  const name = harness.uniqueName("failing");
  await harness.createSecret({
    name,
    data: JSON.stringify({ Token: randomUUID() }),
    tags: { "rotor:rotator": "failing", "rotor:test-attempts": "1", ...tags },
  });
  return name;
}

async function lastFailure(secretName: string): Promise<string | undefined> {
  const description = await harness.admin.describeSecret({ secretName, fetchTags: true });
  return description.tags.find((tag) => tag.key === LAST_FAILURE_TAG)?.value;
}

describe("the step an error failed in", () => {
  it.each(["createSecret", "setSecret", "testSecret", "finishSecret"] as const)(
    "is carried by an error from %s and recorded on the secret",
    async (step) => {
      // Prepare
      const name = await secret({ "rotor:fail-in": step });
      // Act
      const error = await harness
        .engine()
        .rotate({ secretName: name })
        .catch((caught: unknown) => caught);
      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(failedStepOf(error)).toBe(step);
      expect(await lastFailure(name)).toMatch(new RegExp(`^\\S+ ${step} `));
    },
  );

  it("is the step asked for when an orchestrated step is refused", async () => {
    // Prepare
    const name = await secret({});
    // Act
    const error = await harness
      .engine()
      .rotate({ secretName: name, step: "setSecret", versionId: "no-such-version" })
      .catch((caught: unknown) => caught);
    // Assess
    expect((error as Error).name).toBe("StepRefusedError");
    expect(failedStepOf(error)).toBe("setSecret");
  });

  it("is none when the secret's tags are refused before any step", async () => {
    // Prepare
    const name = await secret({ "rotor:fail-in": "never" });
    // Act
    const error = await harness
      .engine()
      .rotate({ secretName: name })
      .catch((caught: unknown) => caught);
    // Assess
    expect((error as Error).name).toBe("ValidationError");
    expect(failedStepOf(error)).toBeUndefined();
  });
});

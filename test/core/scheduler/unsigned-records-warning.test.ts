/**
 * A scheduler deployed without ROTOR_RECORD_KEY still plans every managed
 * secret, but from its versions, one listing call each: it says so once
 * per run, as a warning line in its log and a `warnings` entry in its
 * summary naming the variable and what its absence costs, so an operator
 * learns why planning is slow. With the key set, neither appears. Run
 * through the scheduler function in the local Function Compute.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchedulerHandler } from "../../../src/core/functions/scheduler-handler.ts";
import { invokeForOutcome } from "../../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";

const RECORD_KEY = "unsigned-records-test-key-of-32-characters-at-least";

let cloud: TestCloud;
const lines: Record<string, string[]> = { unsigned: [], signed: [] };

beforeAll(async () => {
  cloud = await startTestCloud();
  // The rotation function the due secrets are sent to; only the request matters here.
  cloud.fc.deploy({ name: "rotate-generic", handler: async () => "ok" });
  cloud.fc.deploy({
    name: "scheduler-unsigned",
    environment: { ROTOR_ENDPOINT: cloud.endpoint },
    handler: createSchedulerHandler({ write: (line) => lines.unsigned?.push(line) }),
  });
  cloud.fc.deploy({
    name: "scheduler-signed",
    environment: { ROTOR_ENDPOINT: cloud.endpoint, ROTOR_RECORD_KEY: RECORD_KEY },
    handler: createSchedulerHandler({ write: (line) => lines.signed?.push(line) }),
  });
  // Two managed secrets, so a warning per secret would show as two.
  for (let i = 0; i < 2; i++) {
    await cloud.kms.createSecret({
      secretName: `rotor/generic/unsigned-${randomUUID().slice(0, 8)}`,
      secretData: `unsigned-records-${randomUUID()}`,
      versionId: "v1",
      tags: [
        { key: "rotor:rotator", value: "generic" },
        { key: "rotor:interval", value: "30d" },
      ],
    });
  }
});
afterAll(() => cloud?.close());

async function runScheduler(functionName: string): Promise<Record<string, unknown>> {
  const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });
  expect(outcome).toMatchObject({ ok: true });
  return (outcome as { output: Record<string, unknown> }).output;
}

function warningLines(written: string[] | undefined): Record<string, unknown>[] {
  return (written ?? [])
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.event === "scheduler.records-unsigned");
}

describe("a scheduler without ROTOR_RECORD_KEY", () => {
  it("warns once per run, in its log and its summary, naming the variable and its cost", async () => {
    // Act
    const summary = await runScheduler("scheduler-unsigned");

    // Assess
    expect(summary.planned).toBeGreaterThanOrEqual(2);
    expect(summary.warnings).toEqual([
      {
        event: "scheduler.records-unsigned",
        message: expect.stringMatching(/ROTOR_RECORD_KEY is not set.*planned from its versions/),
      },
    ]);
    const logged = warningLines(lines.unsigned);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: "warn",
      message: expect.stringContaining("ROTOR_RECORD_KEY"),
    });
  });

  it("does not warn with the key set", async () => {
    // Act
    const summary = await runScheduler("scheduler-signed");

    // Assess
    expect(summary.planned).toBeGreaterThanOrEqual(2);
    expect(summary.warnings).toEqual([]);
    expect(warningLines(lines.signed)).toEqual([]);
    expect(lines.signed?.length).toBeGreaterThan(0);
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { createJsonLogger } from "../../../src/core/engine/json-logger.ts";
import { createRotationHandler } from "../../../src/core/functions/create-rotation-handler.ts";
import type { FcContext } from "../../../src/core/functions/fc-context.ts";
import { parseRotationEvent } from "../../../src/core/functions/rotation-event.ts";
import { runRotation } from "../../../src/core/functions/run-rotation.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../src/local-cloud/embedded.ts";

let cloud: RunningLocalCloud;
let admin: KmsClient;
/** Every action the local cloud answered, in order (the server logs no parameters). */
const served: string[] = [];
/** When each of them was answered (ms since the epoch). */
const servedAt: number[] = [];
const lines: string[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({
    log: (line) => {
      served.push(line.split(" ")[0] ?? "");
      servedAt.push(Date.now());
    },
  });
  admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
});
afterAll(async () => {
  await cloud?.close();
});

function context(overrides: Partial<FcContext> = {}): FcContext {
  return {
    requestId: randomUUID(),
    credentials: { ...cloud.credentials, securityToken: undefined },
    function: { name: "rotate-generic", handler: "index.handler", memory: 256, timeout: 120 },
    region: cloud.region,
    ...overrides,
  };
}

const handler = () =>
  createRotationHandler({ kms: { endpoint: cloud.endpoint }, write: (line) => lines.push(line) });

async function newSecret(): Promise<{ name: string; initial: string }> {
  const name = `handler/${randomUUID()}`;
  const initial = JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() });
  await admin.createSecret({
    secretName: name,
    secretData: initial,
    versionId: `v0-${randomUUID()}`,
    tags: [{ key: "rotor:rotator", value: "generic" }],
  });
  return { name, initial };
}

async function stagesOf(name: string): Promise<string[]> {
  const { versions } = await admin.listSecretVersionIds({ secretName: name });
  return versions
    .map((version) => `${version.versionId}:${version.versionStages.join("+")}`)
    .sort();
}

/** Each way in: the FC handler and the plain function, fed the same events. */
const ways = {
  handler: async (event: unknown) => {
    const response = await handler()(event, context());
    return { versionId: response.VersionId, outcome: response.Outcome };
  },
  plain: async (event: unknown) => {
    const result = await runRotation(parseRotationEvent(event), {
      log: createJsonLogger((line) => lines.push(line)),
      credentials: cloud.credentials,
      deadline: Date.now() + 60_000,
      kms: { endpoint: cloud.endpoint },
    });
    return { versionId: result.versionId, outcome: result.outcome };
  },
};

const goodEvents: [string, (name: string) => unknown][] = [
  ["a Buffer", (name) => Buffer.from(JSON.stringify({ SecretName: name }))],
  ["a string", (name) => JSON.stringify({ SecretName: name, Emergency: true })],
  ["an object", (name) => ({ SecretName: name })],
  [
    "a timer trigger envelope",
    (name) =>
      Buffer.from(
        JSON.stringify({
          triggerTime: "2026-01-01T02:00:00Z",
          triggerName: "nightly",
          payload: JSON.stringify({ SecretName: name }),
        }),
      ),
  ],
];

describe("rotation handler and runRotation, from one table", () => {
  for (const [wayName, run] of Object.entries(ways)) {
    for (const [eventName, build] of goodEvents) {
      it(`${wayName}: rotates all four steps from ${eventName}`, async () => {
        // Prepare
        const { name, initial } = await newSecret();
        // Act
        const result = await run(build(name));
        // Assess
        expect(result.outcome).toBe("rotated");
        const current = await admin.getSecretValue({ secretName: name });
        expect(current.versionId).toBe(result.versionId);
        expect(current.secretData).not.toBe(initial);
        const previous = await admin.getSecretValue({
          secretName: name,
          versionStage: "ACSPrevious",
        });
        expect(previous.secretData).toBe(initial);
      });
    }
  }
});

describe("rotation handler: bad events", () => {
  const badEvents: [string, unknown, RegExp][] = [
    ["an empty Buffer", Buffer.from(""), /the event is empty/],
    ["not JSON", Buffer.from("SecretName=x"), /the event is not JSON/],
    ["a number", 42, /the event is number/],
    ["no SecretName", Buffer.from("{}"), /SecretName: Invalid input/],
    ["an unknown field", { SecretName: "x", Stepp: "setSecret" }, /unknown field\(s\) Stepp/],
    ["an unknown step", { SecretName: "x", Step: "rotate" }, /Step: Invalid option/],
    [
      "a step without token",
      { SecretName: "x", Step: "setSecret" },
      /Step setSecret needs the rotation's token/,
    ],
    ["a token without step", { SecretName: "x", VersionId: "v1" }, /VersionId needs a Step/],
    [
      "dry run with a step",
      { SecretName: "x", DryRun: true, Step: "createSecret" },
      /DryRun tests the current value/,
    ],
    [
      "a grace ending with an emergency",
      { SecretName: "x", EndGracePeriod: true, Emergency: true },
      /EndGracePeriod rotates nothing/,
    ],
    [
      "a scheduled rotation asked as an emergency",
      { SecretName: "x", IfDue: true, Emergency: true },
      /IfDue asks for a scheduled rotation/,
    ],
    ["Emergency as text", { SecretName: "x", Emergency: "yes" }, /Emergency: Invalid input/],
    ["StartAfterMs of a second", { SecretName: "x", StartAfterMs: 1000 }, /StartAfterMs: Too big/],
    ["StartAfterMs below 0", { SecretName: "x", StartAfterMs: -1 }, /StartAfterMs: Too small/],
    [
      "StartAfterMs not whole",
      { SecretName: "x", StartAfterMs: 2.5 },
      /StartAfterMs: Invalid input/,
    ],
    [
      "StartAfterMs as text",
      { SecretName: "x", StartAfterMs: "250" },
      /StartAfterMs: Invalid input/,
    ],
    [
      "StartAfterMs with a step",
      { SecretName: "x", Step: "createSecret", StartAfterMs: 250 },
      /StartAfterMs times a scheduled rotation/,
    ],
    [
      "a timer with an empty payload",
      { triggerTime: "2026-01-01T00:00:00Z", triggerName: "t", payload: "" },
      /Timer trigger t has an empty payload/,
    ],
    [
      "a timer whose payload is not JSON",
      { triggerTime: "2026-01-01T00:00:00Z", triggerName: "t", payload: "SecretName" },
      /payload of timer trigger t is not JSON/,
    ],
  ];
  for (const [label, event, message] of badEvents) {
    it(`refuses ${label} with a clear error and makes no KMS call`, async () => {
      // Prepare
      const before = served.length;
      // Act
      const attempt = handler()(event, context());
      // Assess
      await expect(attempt).rejects.toMatchObject({ errorType: "ValidationError" });
      await expect(attempt).rejects.toThrow(message);
      expect(served.slice(before)).toEqual([]);
    });
  }
});

describe("rotation handler: a scheduled rotation's turn", () => {
  it("waits StartAfterMs before its first KMS call, then rotates", async () => {
    // Prepare
    const { name } = await newSecret();
    const before = served.length;
    const invokedAt = Date.now();

    // Act
    const response = await handler()({ SecretName: name, StartAfterMs: 900 }, context());

    // Assess
    expect(response.Outcome).toBe("rotated");
    expect(served.length).toBeGreaterThan(before);
    expect((servedAt[before] as number) - invokedAt).toBeGreaterThanOrEqual(900);
  });
});

describe("rotation handler: context", () => {
  it("runs one step per call, CloudFlow style, carrying the token", async () => {
    // Prepare
    const { name } = await newSecret();
    const invoke = (event: object) => handler()(Buffer.from(JSON.stringify(event)), context());
    // Act
    const created = await invoke({ SecretName: name, Step: "createSecret" });
    const outcomes = [created.Outcome];
    for (const Step of ["setSecret", "testSecret", "finishSecret"]) {
      outcomes.push(
        (await invoke({ SecretName: name, Step, VersionId: created.VersionId })).Outcome,
      );
    }
    // Assess
    expect(outcomes).toEqual(["step-done", "step-done", "step-done", "step-done"]);
    expect((await admin.getSecretValue({ secretName: name })).versionId).toBe(created.VersionId);
  });

  it("stops before a step it cannot finish within function.timeout, writing nothing", async () => {
    // Prepare: a 1 s timeout leaves less than the 3 s reserve.
    const { name } = await newSecret();
    const before = await stagesOf(name);
    // Act
    const attempt = handler()(
      Buffer.from(JSON.stringify({ SecretName: name })),
      context({ function: { timeout: 1 } }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ errorType: "DeadlineError" });
    await expect(attempt).rejects.toThrow(/not started: less than/);
    expect(await stagesOf(name)).toEqual(before);
  });

  it("names the step that failed in its error line", async () => {
    // Prepare: a 1 s timeout leaves less than the 3 s reserve, so createSecret does not start.
    const { name } = await newSecret();
    const start = lines.length;
    // Act
    const attempt = handler()(
      Buffer.from(JSON.stringify({ SecretName: name })),
      context({ function: { timeout: 1 } }),
    );
    await attempt.catch(() => undefined);
    // Assess
    const failed = lines
      .slice(start)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.event === "rotation-failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errorType: "DeadlineError", step: "createSecret" });
  });

  it("uses context.credentials: a wrong key is refused by the cloud and never printed", async () => {
    // Prepare
    const { name } = await newSecret();
    const wrongSecret = `wrong-${randomUUID()}`;
    const start = lines.length;
    // Act
    const attempt = handler()(
      Buffer.from(JSON.stringify({ SecretName: name })),
      context({
        credentials: { accessKeyId: cloud.credentials.accessKeyId, accessKeySecret: wrongSecret },
      }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ errorType: "ApiError" });
    const error = (await attempt.catch((caught: Error) => caught)) as Error;
    expect(error.message).not.toContain(wrongSecret);
    expect(error.cause).toBeUndefined();
    expect(lines.slice(start).join("\n")).not.toContain(wrongSecret);
  });

  it("dry run tests the current value and changes nothing", async () => {
    // Prepare
    const { name } = await newSecret();
    const before = await stagesOf(name);
    // Act
    const response = await handler()(
      Buffer.from(JSON.stringify({ SecretName: name, DryRun: true })),
      context(),
    );
    // Assess
    expect(response.Outcome).toBe("dry-run-passed");
    expect(await stagesOf(name)).toEqual(before);
  });

  it("writes JSON log lines, one per step, and none holds a secret value", async () => {
    // Prepare
    const { name, initial } = await newSecret();
    const start = lines.length;
    // Act
    const response = await handler()(Buffer.from(JSON.stringify({ SecretName: name })), context());
    // Assess
    const mine = lines.slice(start).map((line) => JSON.parse(line) as Record<string, unknown>);
    const steps = mine.filter((line) => line.event === "rotation-step");
    expect(steps.map((line) => line.step)).toEqual([
      "createSecret",
      "setSecret",
      "testSecret",
      "finishSecret",
    ]);
    expect(
      steps.every((line) => line.secret === name && line.versionId === response.VersionId),
    ).toBe(true);
    expect(
      steps.every((line) => typeof line.durationMs === "number" && Array.isArray(line.requestIds)),
    ).toBe(true);
    const current = (await admin.getSecretValue({ secretName: name })).secretData;
    const values = [
      initial,
      current,
      JSON.parse(current).AccountPassword,
      JSON.parse(initial).AccountPassword,
    ];
    expect(lines.filter((line) => values.some((value) => line.includes(value)))).toEqual([]);
  });
});

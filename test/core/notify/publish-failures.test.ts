/**
 * A rotation whose events cannot be published rotates all the same: with
 * the bus missing, the role denied eventbridge:PutEvents, or EventBridge's
 * endpoint down, the rotate-generic function's outcome is what it is
 * without events, and its log has exactly one `events-not-published`
 * line naming the bus, the event types and the error's code. With no bus
 * set, no EventBridge call is made at all.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { createRotationHandler } from "../../../src/core/functions/create-rotation-handler.ts";
import { genericRotator } from "../../../src/core/rotators/generic/generic-rotator.ts";
import type { FcHandler } from "../../../src/local-cloud/fc/local-function.ts";
import { invokeForOutcome } from "../../deploy/support/invoke-for-outcome.ts";
import { deployAsRole, renderedPolicy } from "../../deploy/support/policy-proof.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";

let cloud: TestCloud;
/** The local cloud's request log: one line per API call (action, code, status), no parameters. */
const requests: string[] = [];

beforeAll(async () => {
  cloud = await startTestCloud({ log: (line) => requests.push(line) });
  await new EventBridgeClient({
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
  }).createEventBus({ busName: "rotor" });
});
afterAll(() => cloud?.close());

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 1;
}

/**
 * Deploys rotate-generic with `environment`, as a role holding its policy
 * rendered for `policyBus` (none: no EventBridge right), logging to an array.
 */
async function deployGeneric(environment: Record<string, string>, policyBus?: string) {
  const functionName = `rotate-generic-${randomUUID().slice(0, 8)}`;
  const logLines: string[] = [];
  const handler = createRotationHandler({
    rotators: [genericRotator],
    write: (line) => logLines.push(line),
  }) as unknown as FcHandler;
  await deployAsRole(cloud, {
    entry: "rotate-generic",
    functionName,
    policy: await renderedPolicy(
      "rotate-generic",
      policyBus === undefined ? {} : { ROTOR_EVENT_BUS: policyBus },
    ),
    environment,
    handler,
  });
  return { functionName, logLines };
}

async function newSecret(): Promise<string> {
  const secretName = `rotor/generic/${randomUUID()}`;
  await cloud.kms.createSecret({
    secretName,
    secretData: `initial-${randomUUID()}`,
    versionId: "v1",
    tags: [{ key: "rotor:rotator", value: "generic" }],
  });
  return secretName;
}

/** The log lines of one event name, parsed. */
function linesOf(logLines: string[], event: string): Record<string, unknown>[] {
  return logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === event);
}

describe("a rotation whose events cannot be published", () => {
  it.each([
    [
      "the bus does not exist",
      async () => ({ env: { ROTOR_EVENT_BUS: "missing" }, bus: "missing" }),
      /EventBusNotExist/,
    ],
    [
      "the role may not publish",
      async () => ({ env: { ROTOR_EVENT_BUS: "rotor" }, bus: undefined }),
      /AccessDenied|NoPermission/,
    ],
    [
      "EventBridge's endpoint is down",
      async () => ({
        env: {
          ROTOR_EVENT_BUS: "rotor",
          ROTOR_ENDPOINT_EVENTBRIDGE: `http://127.0.0.1:${await closedPort()}`,
        },
        bus: "rotor",
      }),
      /.+/,
    ],
  ])("rotates all the same when %s, and logs one line", async (_what, setUp, code) => {
    // Prepare
    const { env, bus } = await setUp();
    const { functionName, logLines } = await deployGeneric(env, bus);
    const secretName = await newSecret();

    // Act
    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const versionId = (outcome as { output: { VersionId: string } }).output.VersionId;
    const current = await cloud.kms.getSecretValue({ secretName });
    expect(current.versionId).toBe(versionId);
    expect(current.versionStages).toEqual(["ACSCurrent"]);
    const warnings = linesOf(logLines, "events-not-published");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: "warn",
      bus: env.ROTOR_EVENT_BUS,
      unsent: 2,
      types: ["rotor.rotation.started", "rotor.rotation.succeeded"],
      error: expect.stringMatching(code),
    });
    expect(linesOf(logLines, "rotation-failed")).toEqual([]);
  });

  it("fails as it would without events, with one line for the events it could not publish", async () => {
    // Prepare: a secret whose rotation is refused in load (a tag names no known rotator)
    const { functionName, logLines } = await deployGeneric(
      { ROTOR_EVENT_BUS: "missing" },
      "missing",
    );
    const secretName = `rotor/generic/${randomUUID()}`;
    await cloud.kms.createSecret({
      secretName,
      secretData: `initial-${randomUUID()}`,
      versionId: "v1",
      tags: [
        { key: "rotor:rotator", value: "generic" },
        { key: "rotor:length", value: "not-a-number" },
      ],
    });

    // Act
    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      errorType: "ValidationError",
      errorMessage: expect.stringContaining("rotor:length"),
    });
    expect(linesOf(logLines, "events-not-published")).toEqual([
      expect.objectContaining({ types: ["rotor.rotation.failed"], error: "EventBusNotExist" }),
    ]);
  });
});

describe("a rotation with no event bus set", () => {
  it("calls no EventBridge action at all", async () => {
    // Prepare
    const { functionName, logLines } = await deployGeneric({});
    const secretName = await newSecret();
    requests.length = 0;

    // Act
    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    expect(requests.some((line) => line.includes("PutSecretValue"))).toBe(true);
    expect(requests.filter((line) => /PutEvents|eventbridge/i.test(line))).toEqual([]);
    expect(linesOf(logLines, "events-not-published")).toEqual([]);
  });
});

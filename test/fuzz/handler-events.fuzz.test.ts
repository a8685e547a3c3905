/**
 * Fuzzing the rotation handler's way in: any JSON, any bytes, and events
 * shaped almost right, against a real secret in a local cloud. Each ends in
 * a result or a clear error (never an unexpected one, never a hang), no
 * secret value reaches a message or a log line, and the secret stays
 * consistent.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { createRotationHandler } from "../../src/core/functions/create-rotation-handler.ts";
import type { FcContext } from "../../src/core/functions/fc-context.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";

const HANG_LIMIT_MS = 30_000;
/**
 * The function's timeout in the context. The handler's own waits end by
 * its deadline (an emergency event meeting another rotation's claim waits
 * for it until shortly before the timeout), so the timeout must be well
 * under the hang limit for a hang to mean a hang.
 */
const FUNCTION_TIMEOUT_SECONDS = 10;

let cloud: RunningLocalCloud;
let admin: KmsClient;
const secretName = `fuzz/handler/${randomUUID()}`;
const logLines: string[] = [];
const messages: string[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ port: 0 });
  admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  await admin.createSecret({
    secretName,
    secretData: JSON.stringify({ AccountName: "app", AccountPassword: `Fz-${randomUUID()}` }),
    versionId: `v0-${randomUUID()}`,
    tags: [{ key: "rotor:rotator", value: "generic" }],
  });
});
afterAll(async () => {
  await cloud?.close();
});

function context(): FcContext {
  return {
    requestId: randomUUID(),
    credentials: { ...cloud.credentials, securityToken: undefined },
    function: {
      name: "rotate-generic",
      handler: "index.handler",
      memory: 256,
      timeout: FUNCTION_TIMEOUT_SECONDS,
    },
    region: cloud.region,
  };
}

/** Invokes the handler; resolves with the outcome or the error, or fails on a hang. */
async function invoke(event: unknown): Promise<{ outcome?: string; error?: Error }> {
  const handler = createRotationHandler({
    kms: { endpoint: cloud.endpoint, retry: { attempts: 1 } },
    write: (line) => logLines.push(line),
  });
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the handler hung")), HANG_LIMIT_MS);
  });
  try {
    const response = await Promise.race([handler(event, context()), hang]);
    return { outcome: response.Outcome };
  } catch (error) {
    if ((error as Error).message === "the handler hung") throw error;
    messages.push(`${(error as Error).name}: ${(error as Error).message}`);
    return { error: error as Error };
  } finally {
    clearTimeout(timer);
  }
}

/** An error a caller can act on: a known type and a message, not an internal crash. */
function expectClear(result: { outcome?: string; error?: Error }): void {
  if (result.outcome !== undefined) return;
  expect(result.error?.name).toMatch(/Error$/);
  expect(result.error?.name).not.toBe("InternalError");
  expect(result.error?.message.length).toBeGreaterThan(10);
}

const steps = fc.constantFrom("createSecret", "setSecret", "testSecret", "finishSecret");
const nearlyRightEvent = fc.record(
  {
    SecretName: fc.oneof(fc.constant(secretName), fc.string(), fc.jsonValue()),
    Step: fc.oneof(steps, fc.string(), fc.integer()),
    VersionId: fc.oneof(fc.uuid(), fc.string(), fc.constant("")),
    Emergency: fc.oneof(fc.boolean(), fc.string()),
    DryRun: fc.oneof(fc.boolean(), fc.constant("true")),
  },
  { requiredKeys: ["SecretName"] },
);

/** Events that rotate for real, so values pile up for the leak check. */
const rightEvent = fc.constantFrom(
  { SecretName: secretName },
  { SecretName: secretName, Emergency: true },
  { SecretName: secretName, DryRun: true },
);

describe("rotation handler under fuzzed events", () => {
  it("answers any JSON value with a result or a clear error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (event) => {
        expectClear(await invoke(event));
      }),
      { numRuns: 300 },
    );
  }, 240_000);

  it("answers any bytes and any text with a result or a clear error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ maxLength: 256 }),
          fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value))),
        ),
        async (event) => {
          expectClear(await invoke(event));
        },
      ),
      { numRuns: 300 },
    );
  }, 240_000);

  it("answers nearly right events for a real secret and leaves it consistent", async () => {
    // Prepare: one real rotation, so the secret has values of more than one version
    expect((await invoke({ SecretName: secretName })).outcome).toBe("rotated");
    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nearlyRightEvent,
          nearlyRightEvent.map((e) => JSON.stringify(e)),
          rightEvent,
        ),
        async (event) => {
          expectClear(await invoke(event));
        },
      ),
      { numRuns: 100 },
    );
    // Assess: one ACSCurrent, at most one pending version, and no value in any message or line
    const { versions } = await admin.listSecretVersionIds({ secretName, includeDeprecated: true });
    const holding = (stage: string) =>
      versions.filter((version) => version.versionStages.includes(stage));
    expect(holding("ACSCurrent")).toHaveLength(1);
    expect(holding("ACSPending").length).toBeLessThanOrEqual(1);
    const values: string[] = [];
    for (const version of versions) {
      const { secretData } = await admin.getSecretValue({
        secretName,
        versionId: version.versionId,
      });
      // Lease claims hold a holder id, not a secret; only the passwords are checked.
      const parsed = JSON.parse(secretData) as { AccountPassword?: unknown };
      if (typeof parsed.AccountPassword === "string") values.push(parsed.AccountPassword);
    }
    expect(values.length).toBeGreaterThan(1);
    const leaks = [...messages, ...logLines].filter((text) =>
      values.some((password) => text.includes(password)),
    );
    expect(leaks).toHaveLength(0);
  }, 240_000);
});

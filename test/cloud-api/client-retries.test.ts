/**
 * Rotor's clients under throttling and ambiguous failures, against the
 * local cloud with Alibaba's quota preset: a burst over a quota completes
 * call by call with nothing lost or done twice (counted by the server),
 * and a call that is not idempotent is repeated only when the failure
 * proves it was not carried out (a throttled answer, a refused connection).
 */
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, ConfigError, NetworkError } from "../../src/cloud-api/errors.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import type { CallRecord } from "../../src/cloud-api/openapi-caller.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  type RetryPolicy,
  retryPolicyFromEnv,
} from "../../src/cloud-api/retry-policy.ts";
import { mayRetry, retryRuleFor } from "../../src/cloud-api/retry-rules.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { type FaultProxy, startFaultProxy } from "../reliability/fault-proxy.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Patient enough for a burst of a few seconds over a quota. */
const BURST_RETRY: Partial<RetryPolicy> = {
  attempts: 30,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
  jitter: "decorrelated",
};

async function cloudWithQuotas(): Promise<TestCloud> {
  const cloud = await startTestCloud({ inMemory: true, quotas: "alibaba" });
  cleanups.push(() => cloud.close());
  return cloud;
}

function admittedCalls(cloud: TestCloud, action: string): number {
  return cloud.callStats().actions[`kms:${action}`]?.admitted ?? 0;
}

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("a burst over Alibaba's quotas", () => {
  it("creates every secret exactly once though most CreateSecret calls are throttled first", async () => {
    const cloud = await cloudWithQuotas();
    const attempts: CallRecord[] = [];
    const kms = cloud.kmsClient({
      retry: BURST_RETRY,
      observer: { before: (call) => void attempts.push(call) },
    });
    const names = Array.from({ length: 30 }, (_, i) => `burst/create-${i}`);

    const created = await Promise.all(
      names.map((secretName) => kms.createSecret({ secretName, secretData: "v", versionId: "v1" })),
    );
    const listed = await cloud.kms.listSecrets({
      filters: [{ key: "SecretName", values: ["burst/create-"] }],
      pageSize: 100,
    });
    const group = cloud.callStats().groups["secret-create-delete"];

    expect(created).toHaveLength(30);
    expect(listed.secrets.map((s) => s.secretName).sort()).toEqual([...names].sort());
    expect(admittedCalls(cloud, "CreateSecret")).toBe(30);
    expect(group?.throttled).toBeGreaterThan(0);
    expect(attempts.length).toBe(30 + (group?.throttled ?? 0));
    expect(group?.peakAdmittedPerSecond).toBeLessThanOrEqual(10);
  });

  it("runs a rotation's writes for many secrets at once, each write once", async () => {
    const cloud = await cloudWithQuotas();
    const kms = cloud.kmsClient({ retry: BURST_RETRY });
    const names = Array.from({ length: 25 }, (_, i) => `burst/rotate-${i}`);
    const setup = cloud.kmsClient({ retry: BURST_RETRY });
    for (const secretName of names) {
      await setup.createSecret({ secretName, secretData: "old", versionId: "v1" });
    }

    await Promise.all(
      names.map(async (secretName) => {
        await kms.putSecretValue({
          secretName,
          secretData: "new",
          versionId: "v2",
          versionStages: ["ACSPending"],
        });
        await kms.updateSecretVersionStage({
          secretName,
          versionStage: "ACSCurrent",
          moveToVersion: "v2",
        });
        await kms.updateSecretVersionStage({
          secretName,
          versionStage: "ACSPending",
          removeFromVersion: "v2",
        });
        await kms.tagResource({ secretName, tags: [{ key: "rotated", value: "yes" }] });
      }),
    );
    const states = await Promise.all(
      names.map(async (secretName) => {
        const { versions } = await kms.listSecretVersionIds({ secretName });
        return versions.map((v) => `${v.versionId}:${[...v.versionStages].sort().join("+")}`);
      }),
    );
    const writes = cloud.callStats().groups["secret-write"];

    expect(new Set(states.map((s) => s.join(" ")))).toEqual(
      new Set(["v1:ACSPrevious v2:ACSCurrent"]),
    );
    expect(admittedCalls(cloud, "PutSecretValue")).toBe(25);
    expect(admittedCalls(cloud, "UpdateSecretVersionStage")).toBe(50);
    expect(admittedCalls(cloud, "TagResource")).toBe(25);
    expect(writes?.admitted).toBe(100);
    expect(writes?.throttled).toBeGreaterThan(0);
    expect(writes?.peakAdmittedPerSecond).toBeLessThanOrEqual(30);
  });

  it("FC: throttled invocations are retried, and each task runs once", async () => {
    const cloud = await startTestCloud({ inMemory: true, throttle: { InvokeFunction: 5 } });
    cleanups.push(() => cloud.close());
    const runs: string[] = [];
    cloud.fc.deploy({
      name: "count",
      handler: async (event) => {
        runs.push(JSON.parse(event.toString("utf8")).task);
        return "ok";
      },
    });
    const fc = new FcClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      retry: BURST_RETRY,
    });
    const tasks = Array.from({ length: 12 }, (_, i) => `task-${i}`);

    const queued = await Promise.all(
      tasks.map((task) => fc.invokeAsync("count", { task }, `count-${task}`)),
    );
    const direct = await Promise.all(
      ["sync-a", "sync-b", "sync-c", "sync-d", "sync-e", "sync-f"].map((task) =>
        fc.invokeSync("count", { task }),
      ),
    );
    await waitUntil(() => runs.length >= 18);
    const invoke = cloud.callStats().actions["fc:InvokeFunction"];

    expect(queued.map((q) => q.status)).toEqual(Array(12).fill("accepted"));
    expect(direct).toEqual(Array(6).fill("ok"));
    expect([...runs].sort()).toEqual(
      [...tasks, "sync-a", "sync-b", "sync-c", "sync-d", "sync-e", "sync-f"].sort(),
    );
    expect(invoke?.admitted).toBe(18);
    expect(invoke?.throttled).toBeGreaterThan(0);
  });
});

/** Polls until `done()` (asynchronous invocations finish after they are accepted). */
async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error("condition not reached");
}

describe("an ambiguous failure: the call ran, its answer was lost", () => {
  /**
   * A client whose first attempt goes through a proxy that cuts the
   * connection as the answer starts (so the cloud did the call), and whose
   * later attempts pass.
   */
  async function lossyClient(cloud: TestCloud): Promise<{ kms: KmsClient; attempts: string[] }> {
    const proxy: FaultProxy = await startFaultProxy({ host: "127.0.0.1", port: cloud.port });
    cleanups.push(() => proxy.close());
    proxy.fault = { kind: "cut-after", serverBytes: 0 };
    const attempts: string[] = [];
    const kms = new KmsClient({
      endpoint: `http://127.0.0.1:${proxy.port}`,
      credentials: cloud.credentials,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      observer: {
        after: (call, outcome) => {
          attempts.push(`${call.action}#${call.attempt}:${outcome.error ? "lost" : "ok"}`);
          proxy.fault = { kind: "none" };
        },
      },
    });
    return { kms, attempts };
  }

  async function plainCloud(): Promise<TestCloud> {
    const cloud = await startTestCloud({ inMemory: true });
    cleanups.push(() => cloud.close());
    return cloud;
  }

  it("CreateSecret is not repeated: the error says no answer, the secret exists once", async () => {
    const cloud = await plainCloud();
    const { kms, attempts } = await lossyClient(cloud);

    const error = await failureOf(
      kms.createSecret({ secretName: "ambiguous/create", secretData: "v", versionId: "v1" }),
    );

    expect(error).toBeInstanceOf(NetworkError);
    expect(attempts).toEqual(["CreateSecret#1:lost"]);
    expect(admittedCalls(cloud, "CreateSecret")).toBe(1);
    expect((await cloud.kms.getSecretValue({ secretName: "ambiguous/create" })).versionId).toBe(
      "v1",
    );
  });

  it("PutSecretValue is repeated with the same version id and data, and stores one version", async () => {
    const cloud = await plainCloud();
    await cloud.kms.createSecret({ secretName: "ambiguous/put", secretData: "a", versionId: "v1" });
    const { kms, attempts } = await lossyClient(cloud);

    const put = await kms.putSecretValue({
      secretName: "ambiguous/put",
      secretData: "b",
      versionId: "v2",
    });
    const { versions } = await cloud.kms.listSecretVersionIds({
      secretName: "ambiguous/put",
      includeDeprecated: true,
    });

    expect(attempts).toEqual(["PutSecretValue#1:lost", "PutSecretValue#2:ok"]);
    expect(put.versionStages).toEqual(["ACSCurrent"]);
    expect(admittedCalls(cloud, "PutSecretValue")).toBe(2);
    expect(versions.map((v) => [v.versionId, v.versionStages])).toEqual([
      ["v1", ["ACSPrevious"]],
      ["v2", ["ACSCurrent"]],
    ]);
  });

  it("moving a stage is repeated; removing one is not (a repeat would be refused)", async () => {
    const cloud = await plainCloud();
    await cloud.kms.createSecret({
      secretName: "ambiguous/stage",
      secretData: "a",
      versionId: "v1",
    });
    await cloud.kms.putSecretValue({
      secretName: "ambiguous/stage",
      secretData: "b",
      versionId: "v2",
      versionStages: ["ACSPending"],
    });
    const move = await lossyClient(cloud);
    await move.kms.updateSecretVersionStage({
      secretName: "ambiguous/stage",
      versionStage: "ACSCurrent",
      moveToVersion: "v2",
    });
    const remove = await lossyClient(cloud);

    const removed = await failureOf(
      remove.kms.updateSecretVersionStage({
        secretName: "ambiguous/stage",
        versionStage: "ACSPending",
        removeFromVersion: "v2",
      }),
    );
    const { versions } = await cloud.kms.listSecretVersionIds({ secretName: "ambiguous/stage" });

    expect(move.attempts).toEqual([
      "UpdateSecretVersionStage#1:lost",
      "UpdateSecretVersionStage#2:ok",
    ]);
    expect(removed).toBeInstanceOf(NetworkError);
    expect(remove.attempts).toEqual(["UpdateSecretVersionStage#1:lost"]);
    expect(versions.map((v) => [v.versionId, v.versionStages])).toEqual([
      ["v1", ["ACSPrevious"]],
      ["v2", ["ACSCurrent"]],
    ]);
  });

  it("a read is repeated", async () => {
    const cloud = await plainCloud();
    await cloud.kms.createSecret({
      secretName: "ambiguous/read",
      secretData: "a",
      versionId: "v1",
    });
    const { kms, attempts } = await lossyClient(cloud);

    const value = await kms.getSecretValue({ secretName: "ambiguous/read" });

    expect(value.versionId).toBe("v1");
    expect(attempts).toEqual(["GetSecretValue#1:lost", "GetSecretValue#2:ok"]);
  });

  it("a refused connection proves the call was not sent: CreateSecret is repeated", async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    await new Promise<void>((done) => server.close(() => done()));
    const attempts: number[] = [];
    const kms = new KmsClient({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "LTAIexample000000000000", accessKeySecret: "example" },
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      observer: { before: (call) => void attempts.push(call.attempt) },
    });

    const error = await failureOf(
      kms.createSecret({ secretName: "refused", secretData: "v", versionId: "v1" }),
    );

    expect(error).toBeInstanceOf(NetworkError);
    expect(attempts).toEqual([1, 2, 3]);
  });
});

describe("retry rules", () => {
  const serverError = new ApiError({
    action: "CreateSecret",
    code: "InternalFailure",
    statusCode: 500,
    message: "x",
  });
  const throttled = new ApiError({
    action: "CreateSecret",
    code: "Rejected.Throttling",
    statusCode: 429,
    message: "x",
  });
  const refused = new NetworkError(
    "CreateSecret",
    "ECONNREFUSED",
    Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", syscall: "connect" }),
  );
  const reset = new NetworkError(
    "CreateSecret",
    "ECONNRESET",
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
  );
  const notFound = new ApiError({
    action: "GetSecretValue",
    code: "Forbidden.ResourceNotFound",
    statusCode: 404,
    message: "x",
  });

  it.each([
    ["a throttled answer", throttled, true, true],
    ["a refused connection", refused, true, true],
    ["a server error (the call may have run)", serverError, true, false],
    ["a connection cut mid-call", reset, true, false],
    ["a final answer", notFound, false, false],
  ])("%s: idempotent %s, not idempotent %s", (_label, error, idempotent, notIdempotent) => {
    expect(mayRetry(error, "idempotent")).toBe(idempotent);
    expect(mayRetry(error, "not-idempotent")).toBe(notIdempotent);
  });

  it("names a rule for every KMS action, by what a repeat would do", () => {
    const rule = (action: string, query: Record<string, string> = {}) =>
      retryRuleFor("kms", action, query);

    expect(rule("CreateSecret")).toBe("not-idempotent");
    expect(rule("DeleteSecret")).toBe("not-idempotent");
    expect(rule("RestoreSecret")).toBe("not-idempotent");
    expect(rule("PutSecretValue")).toBe("idempotent");
    expect(rule("UpdateSecretVersionStage", { MoveToVersion: "v2" })).toBe("idempotent");
    expect(rule("UpdateSecretVersionStage", { RemoveFromVersion: "v2" })).toBe("not-idempotent");
    expect(rule("GetSecretValue")).toBe("idempotent");
    expect(rule("TagResource")).toBe("idempotent");
    expect(rule("SomethingNew")).toBe("not-idempotent");
  });
});

describe("backoff", () => {
  const policy = (jitter: RetryPolicy["jitter"]): RetryPolicy => ({
    attempts: 8,
    baseDelayMs: 100,
    maxDelayMs: 2_000,
    jitter,
  });

  it("full jitter: a random delay below min(cap, base × 2^(attempt-1))", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(2_000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, policy("full"), 0);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it("decorrelated jitter: between base and three times the last delay, capped", () => {
    let previous = 100;
    const seen = new Set<number>();
    for (let attempt = 1; attempt <= 200; attempt++) {
      const delay = backoffDelay(attempt, policy("decorrelated"), previous);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(Math.min(2_000, previous * 3));
      seen.add(delay);
      previous = delay;
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it("reads ROTOR_RETRY_* from the environment and names a bad one", () => {
    expect(
      retryPolicyFromEnv({
        ROTOR_RETRY_ATTEMPTS: "8",
        ROTOR_RETRY_BASE_MS: "500",
        ROTOR_RETRY_MAX_MS: "20000",
        ROTOR_RETRY_JITTER: "decorrelated",
      }),
    ).toEqual({ attempts: 8, baseDelayMs: 500, maxDelayMs: 20_000, jitter: "decorrelated" });
    expect(retryPolicyFromEnv({})).toEqual({});
    expect(DEFAULT_RETRY).toEqual({
      attempts: 5,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      jitter: "full",
    });
    expect(() => retryPolicyFromEnv({ ROTOR_RETRY_ATTEMPTS: "0" })).toThrow(ConfigError);
    expect(() => retryPolicyFromEnv({ ROTOR_RETRY_ATTEMPTS: "0" })).toThrow("ROTOR_RETRY_ATTEMPTS");
    expect(() => retryPolicyFromEnv({ ROTOR_RETRY_JITTER: "none" })).toThrow("ROTOR_RETRY_JITTER");
  });

  it("a client built with ROTOR_RETRY_ATTEMPTS makes that many attempts", async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    await new Promise<void>((done) => server.close(() => done()));
    const attempts: number[] = [];
    const kms = new KmsClient({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "LTAIexample000000000000", accessKeySecret: "example" },
      env: { ROTOR_RETRY_ATTEMPTS: "2", ROTOR_RETRY_BASE_MS: "1" },
      observer: { before: (call) => void attempts.push(call.attempt) },
    });

    await failureOf(kms.getSecretValue({ secretName: "x" }));

    expect(attempts).toEqual([1, 2]);
  });
});

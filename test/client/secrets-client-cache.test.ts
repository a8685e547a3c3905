/**
 * The secrets client's cache against the real local cloud, with vitest's fake
 * clock: TTL, per-secret TTL, single flight, refresh ahead of expiry,
 * stale-while-error through a real outage (the cloud stopped), retries on
 * real throttling, and refresh on demand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SecretsClient } from "../../src/client/secrets-client.ts";
import type { SecretsClientOptions } from "../../src/client/secrets-client-options.ts";
import { ApiError } from "../../src/cloud-api/errors.ts";
import type { CallRecord } from "../../src/cloud-api/openapi-caller.ts";
import {
  type ClientTestCloud,
  newVersionId,
  startClientCloud,
  uniqueSecretName,
} from "./support/client-cloud.ts";

const HOUR = 60 * 60 * 1000;

/** Every GetSecretValue attempt the client made, with its outcome. */
function callLog() {
  const attempts: { call: CallRecord; error?: unknown }[] = [];
  let inFlight = 0;
  return {
    attempts,
    observer: {
      before() {
        inFlight++;
      },
      after(call: CallRecord, outcome: { error?: unknown }) {
        inFlight--;
        attempts.push({ call, error: outcome.error });
      },
    },
    get count() {
      return attempts.length;
    },
    /** Attempts on the wire now (their timeouts run on the fake clock). */
    get inFlight() {
      return inFlight;
    },
  };
}

/** Captures what the client logs. */
function captureLogger() {
  const lines: string[] = [];
  return {
    lines,
    warnings: () => lines.filter((line) => line.startsWith("warn ")),
    logger: {
      warn: (message: string) => lines.push(`warn ${message}`),
      info: (message: string) => lines.push(`info ${message}`),
    },
  };
}

/** Lets real I/O (the HTTP round trip to the cloud) happen while the clock is fake. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Awaits a promise whose work sleeps on the fake clock (retry backoff) as
 * well as on I/O. The clock moves only while no attempt is on the wire, so a
 * slow machine cannot push a request past its (fake) timeout.
 */
async function settle<T>(promise: Promise<T>, calls: { inFlight: number }): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  while (!done) {
    if (calls.inFlight === 0) await vi.advanceTimersByTimeAsync(25);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return promise;
}

describe("SecretsClient cache", () => {
  let cloud: ClientTestCloud;
  const clients: SecretsClient[] = [];

  beforeEach(async () => {
    cloud = await startClientCloud();
  });

  afterEach(async () => {
    vi.useRealTimers();
    for (const client of clients.splice(0)) client.close();
    await cloud.close();
  });

  function newClient(options: SecretsClientOptions = {}): SecretsClient {
    const client = new SecretsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      ...options,
    });
    clients.push(client);
    return client;
  }

  async function createSecret(prefix: string, value: string): Promise<string> {
    const secretName = uniqueSecretName(prefix);
    await cloud.admin.createSecret({ secretName, secretData: value, versionId: newVersionId() });
    return secretName;
  }

  async function rotate(secretName: string, value: string): Promise<void> {
    await cloud.admin.putSecretValue({ secretName, secretData: value, versionId: newVersionId() });
  }

  function useFakeClock(): void {
    // Only the clock and timeouts: setImmediate stays real so I/O can be awaited.
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
  }

  it("serves a value for its TTL with one call, then reads KMS again", async () => {
    // Prepare
    const secretName = await createSecret("ttl", "first-value");
    const calls = callLog();
    const client = newClient({ ttlMs: HOUR, observer: calls.observer });
    useFakeClock();

    // Act
    const first = await client.getSecret(secretName);
    await rotate(secretName, "second-value");
    vi.advanceTimersByTime(HOUR - 1);
    const justBeforeExpiry = await client.getSecret(secretName);
    const callsWithinTtl = calls.count;
    vi.advanceTimersByTime(1);
    const afterExpiry = await client.getSecret(secretName);

    // Assess
    expect(first).toBe("first-value");
    expect(justBeforeExpiry).toBe("first-value");
    expect(callsWithinTtl).toBe(1);
    expect(afterExpiry).toBe("second-value");
    expect(calls.count).toBe(2);
  });

  it("defaults to a one-hour TTL and takes a TTL per secret", async () => {
    // Prepare
    const shortLived = await createSecret("short", "short-1");
    const longLived = await createSecret("long", "long-1");
    const calls = callLog();
    const client = newClient({ ttlBySecret: { [shortLived]: 1_000 }, observer: calls.observer });
    useFakeClock();
    await client.getSecret(shortLived);
    await client.getSecret(longLived);
    await rotate(shortLived, "short-2");
    await rotate(longLived, "long-2");

    // Act
    vi.advanceTimersByTime(1_000);
    const shortAfterItsTtl = await client.getSecret(shortLived);
    const longAfterOneSecond = await client.getSecret(longLived);
    vi.advanceTimersByTime(HOUR - 1_000);
    const longAfterAnHour = await client.getSecret(longLived);

    // Assess
    expect(shortAfterItsTtl).toBe("short-2");
    expect(longAfterOneSecond).toBe("long-1");
    expect(longAfterAnHour).toBe("long-2");
    expect(calls.count).toBe(4);
  });

  it("answers a thousand concurrent reads with one call, cold and after expiry", async () => {
    // Prepare
    const secretName = await createSecret("flight", "shared-value");
    const calls = callLog();
    const client = newClient({ ttlMs: 60_000, observer: calls.observer });
    useFakeClock();

    // Act
    const cold = await Promise.all(
      Array.from({ length: 1000 }, () => client.getSecret(secretName)),
    );
    const callsWhenCold = calls.count;
    vi.advanceTimersByTime(60_000);
    const expired = await Promise.all(
      Array.from({ length: 1000 }, () => client.getSecret(secretName)),
    );

    // Assess
    expect(new Set(cold)).toEqual(new Set(["shared-value"]));
    expect(new Set(expired)).toEqual(new Set(["shared-value"]));
    expect(callsWhenCold).toBe(1);
    expect(calls.count).toBe(2);
  });

  it("refreshes a secret in use ahead of its expiry, in the background", async () => {
    // Prepare
    const secretName = await createSecret("ahead", "before-rotation");
    const calls = callLog();
    const client = newClient({ ttlMs: 60_000, refreshAheadMs: 10_000, observer: calls.observer });
    useFakeClock();
    await client.getSecret(secretName);
    vi.advanceTimersByTime(45_000);
    await client.getSecret(secretName); // in use: worth refreshing
    await rotate(secretName, "after-rotation");

    // Act
    vi.advanceTimersByTime(5_000); // 50 s: the refresh point
    await until(() => calls.count === 2, "the background refresh");
    const atFiftyFiveSeconds = await settleCached(client, secretName, 5_000);

    // Assess
    expect(atFiftyFiveSeconds).toBe("after-rotation");
    expect(calls.count).toBe(2);
  });

  it("does not refresh in the background a secret nobody reads", async () => {
    // Prepare
    const secretName = await createSecret("idle", "idle-value");
    const calls = callLog();
    const client = newClient({ ttlMs: 60_000, observer: calls.observer });
    useFakeClock();
    await client.getSecret(secretName);

    // Act
    vi.advanceTimersByTime(10 * 60_000);
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(calls.count).toBe(1);
  });

  it("stops refreshing in the background once closed", async () => {
    // Prepare
    const secretName = await createSecret("closed", "closed-value");
    const calls = callLog();
    const client = newClient({ ttlMs: 60_000, observer: calls.observer });
    useFakeClock();
    await client.getSecret(secretName);
    await client.getSecret(secretName); // in use

    // Act
    client.close();
    vi.advanceTimersByTime(59_000);
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(calls.count).toBe(1);
  });

  it("keeps serving the last good value through a KMS outage, says so once, and recovers", async () => {
    // Prepare
    const secretName = await createSecret("outage", "good-value");
    const calls = callLog();
    const log = captureLogger();
    const client = newClient({ ttlMs: 60_000, observer: calls.observer, logger: log.logger });
    useFakeClock();
    await client.getSecret(secretName);
    await cloud.stop();

    // Act: reads past the TTL while KMS is down
    vi.advanceTimersByTime(60_000);
    const duringOutage: string[] = [];
    for (let read = 0; read < 20; read++) {
      duringOutage.push(await settle(client.getSecret(secretName), calls));
      vi.advanceTimersByTime(1_000);
    }
    const failedAttempts = calls.attempts.filter((attempt) => attempt.error).length;
    await cloud.start();
    await rotate(secretName, "value-after-outage");
    vi.advanceTimersByTime(60_000); // past the longest backoff
    const afterRecovery = await client.getSecret(secretName);

    // Assess
    expect(new Set(duringOutage)).toEqual(new Set(["good-value"]));
    expect(failedAttempts).toBeGreaterThan(0);
    expect(failedAttempts).toBeLessThan(20 * 3); // backoff: not every read hits the dead KMS
    expect(log.warnings()).toHaveLength(1);
    expect(log.warnings()[0]).toContain(secretName);
    expect(log.warnings()[0]).toContain("no answer from the endpoint");
    expect(log.lines.some((line) => line.startsWith("info ") && line.includes("again"))).toBe(true);
    expect(afterRecovery).toBe("value-after-outage");
    for (const line of log.lines) {
      expect(line).not.toContain("good-value");
      expect(line).not.toContain("value-after-outage");
    }
  });

  it("fails a first read when KMS is down (there is no value to fall back on)", async () => {
    // Prepare
    const secretName = await createSecret("down", "never-read");
    const client = newClient();
    await cloud.stop();

    // Act
    const read = client.getSecret(secretName);

    // Assess
    await expect(read).rejects.toMatchObject({ name: "NetworkError" });
  });

  it("retries a throttled read with backoff until KMS lets it through", async () => {
    // Prepare: a cloud that allows one GetSecretValue a second
    await cloud.close();
    cloud = await startClientCloud({ throttle: { GetSecretValue: 1 } });
    const secretName = await createSecret("throttled", "throttled-value");
    const calls = callLog();
    const client = newClient({
      observer: calls.observer,
      retry: { attempts: 20, baseDelayMs: 200, maxDelayMs: 400 },
    });
    useFakeClock();
    await client.getSecret(secretName); // takes the second's only token

    // Act
    const refreshed = await settle(client.refresh(secretName), calls);

    // Assess
    const codes = calls.attempts.slice(1).map((attempt) => (attempt.error as ApiError)?.code);
    expect(refreshed.value).toBe("throttled-value");
    expect(codes[0]).toBe("Rejected.Throttling");
    expect(codes.at(-1)).toBeUndefined();
  });

  it("does not retry an error that another attempt cannot fix", async () => {
    // Prepare
    const calls = callLog();
    const client = newClient({ observer: calls.observer });

    // Act
    const read = client.getSecret(uniqueSecretName("missing"));

    // Assess
    await expect(read).rejects.toBeInstanceOf(ApiError);
    await expect(read).rejects.toMatchObject({ code: "Forbidden.ResourceNotFound" });
    expect(calls.count).toBe(1);
  });

  it("refreshes on demand, sharing one call among concurrent refreshes", async () => {
    // Prepare
    const secretName = await createSecret("demand", "old-value");
    const calls = callLog();
    const client = newClient({ observer: calls.observer });
    await client.getSecret(secretName);
    await rotate(secretName, "new-value");

    // Act
    const refreshed = await Promise.all(
      Array.from({ length: 100 }, () => client.refresh(secretName)),
    );
    const cachedAfterwards = await client.getSecret(secretName);

    // Assess
    expect(new Set(refreshed.map((version) => version.value))).toEqual(new Set(["new-value"]));
    expect(cachedAfterwards).toBe("new-value");
    expect(calls.count).toBe(2);
  });
});

/** Advances the fake clock and reads from the cache (no call expected). */
async function settleCached(
  client: SecretsClient,
  secretName: string,
  advanceMs: number,
): Promise<string> {
  vi.advanceTimersByTime(advanceMs);
  return client.getSecret(secretName);
}

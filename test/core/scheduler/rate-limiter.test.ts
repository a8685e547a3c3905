import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import {
  callWithinBudget,
  mapBounded,
  RateLimiter,
} from "../../../src/core/scheduler/rate-limiter.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

describe("the scheduler's rate limiter", () => {
  it("halves its rate when throttled, never below a sixteenth of the budget", () => {
    const limiter = new RateLimiter(160);
    limiter.throttled();
    expect(limiter.currentRate).toBe(80);
    for (let i = 0; i < 10; i++) limiter.throttled();
    expect(limiter.currentRate).toBe(10);
  });

  it("wins its budget back as calls get through", async () => {
    let clock = 0;
    const limiter = new RateLimiter(1000, () => clock);
    limiter.throttled();
    expect(limiter.currentRate).toBe(500);
    for (let i = 0; i < 600; i++) {
      clock += 10; // a whole second's worth of tokens each time: no waiting
      await limiter.take();
    }
    expect(limiter.currentRate).toBe(1000);
  });

  it("refuses a rate that is not above zero", () => {
    expect(() => new RateLimiter(0)).toThrow(/above 0 per second, got 0/);
  });
});

describe("calls within a budget above the service's quota", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;

  beforeAll(async () => {
    cloud = await startLocalCloud({ throttle: { ListSecretVersionIds: 50 } });
    // One attempt per call: every throttle reaches the limiter, none is hidden by retries.
    kms = new KmsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      retry: { attempts: 1 },
    });
    await kms.createSecret({ secretName: "budget/one", secretData: "x", versionId: "v1" });
  });
  afterAll(() => cloud.close());

  it("throw other errors at once, without slowing down", async () => {
    const limiter = new RateLimiter(400);
    await expect(
      callWithinBudget(limiter, () => kms.listSecretVersionIds({ secretName: "budget/missing" })),
    ).rejects.toMatchObject({ code: "Forbidden.ResourceNotFound" });
    expect(limiter.currentRate).toBe(400);
  });

  it("slow down to what KMS accepts and all succeed", async () => {
    const limiter = new RateLimiter(400);
    const results = await mapBounded(
      Array.from({ length: 120 }, (_, i) => i),
      8,
      () =>
        callWithinBudget(limiter, () => kms.listSecretVersionIds({ secretName: "budget/one" }), 20),
    );
    expect(results).toHaveLength(120);
    expect(results.every((r) => r.versions.length === 1)).toBe(true);
    expect(limiter.currentRate).toBeLessThan(400);
  });

  it("give up after the rounds allowed, with KMS's own code", async () => {
    const limiter = new RateLimiter(10_000);
    const calls = Array.from({ length: 200 }, () =>
      callWithinBudget(limiter, () => kms.listSecretVersionIds({ secretName: "budget/one" }), 1),
    );
    const outcomes = await Promise.allSettled(calls);
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: "Rejected.Throttling",
    });
  });
});

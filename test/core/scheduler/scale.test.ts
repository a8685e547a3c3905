import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { mapBounded } from "../../../src/core/scheduler/rate-limiter.ts";
import { runScheduler } from "../../../src/core/scheduler/run-scheduler.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

const SECRETS = 10_000;

describe("the scheduler at 10,000 secrets, under a simulated KMS throttle", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let fc: FcClient;
  let throttled = 0;
  const rotated = new Map<string, number>();
  let clock = Date.parse("2024-06-01T00:00:00Z");

  beforeAll(async () => {
    cloud = await startLocalCloud({
      now: () => clock,
      // Below the scheduler's own budget, so some calls do get throttled.
      throttle: { ListSecretVersionIds: 600, InvokeFunction: 800 },
      log: (line) => {
        if (line.includes(" 429 ")) throttled++;
      },
    });
    kms = new KmsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      retry: { attempts: 8, baseDelayMs: 50 },
    });
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({
      name: "rotate-generic",
      handler: async (event) => {
        const { SecretName } = JSON.parse(event.toString("utf8")) as { SecretName: string };
        rotated.set(SecretName, (rotated.get(SecretName) ?? 0) + 1);
      },
    });
    // Prepare: 10,000 managed secrets; every third one rotates daily, the rest monthly.
    await mapBounded(
      Array.from({ length: SECRETS }, (_, i) => i),
      64,
      (i) =>
        kms.createSecret({
          secretName: `fleet/app-${i}`,
          secretData: "x",
          versionId: "v1",
          tags: [
            { key: "rotor:rotator", value: "generic" },
            { key: "rotor:interval", value: i % 3 === 0 ? "1d" : "30d" },
          ],
        }),
    );
    clock += 2 * 86_400_000;
  }, 900_000);
  afterAll(() => cloud.close());

  it("plans every secret and rotates each due one exactly once, even when run twice", async () => {
    const dueCount = Math.ceil(SECRETS / 3);

    const first = await runScheduler({
      kms,
      fc,
      now: clock,
      kmsQps: 800,
      fcQps: 1000,
      concurrency: 16,
      // Every due rotation at once: spreading them is tested on its own
      // (plan-from-listing.test.ts); at the default pace these 3,334 would
      // take 14 minutes to start.
      rotationsPerSecond: 10_000,
    });
    const second = await runScheduler({
      kms,
      fc,
      now: clock,
      kmsQps: 800,
      fcQps: 1000,
      concurrency: 16,
      // Every due rotation at once: spreading them is tested on its own
      // (plan-from-listing.test.ts); at the default pace these 3,334 would
      // take 14 minutes to start.
      rotationsPerSecond: 10_000,
    });
    await cloud.fc.idle();

    expect(first).toMatchObject({
      planned: SECRETS,
      due: dueCount,
      invoked: dueCount,
      failed: [],
      skipped: [],
    });
    expect(second).toMatchObject({
      planned: SECRETS,
      due: dueCount,
      invoked: 0,
      duplicates: dueCount,
      failed: [],
    });
    expect(rotated.size).toBe(dueCount);
    expect([...rotated.values()].every((count) => count === 1)).toBe(true);
    expect(throttled).toBeGreaterThan(0);
  }, 900_000);
});

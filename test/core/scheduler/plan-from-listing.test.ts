import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { ROTATED_TAG, recordValue } from "../../../src/core/contract/tags/rotation-record.ts";
import type { AsyncInvoker } from "../../../src/core/scheduler/fan-out.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { planPages, planRotations } from "../../../src/core/scheduler/plan-pages.ts";
import { mapBounded } from "../../../src/core/scheduler/rate-limiter.ts";
import { runScheduler } from "../../../src/core/scheduler/run-scheduler.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

const KEY = Buffer.from("a-record-key-of-at-least-32-characters!!");
const OTHER_KEY = Buffer.from("another-key-of-at-least-32-characters!!!");
const DAY = 86_400_000;
/** Managed secrets: every fifth rotates daily, the rest monthly. Plus some not managed. */
const MANAGED = 430;
const UNMANAGED = 70;

describe("planning from the listing, with rotation records", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let fc: FcClient;
  let clock = Date.parse("2024-06-01T00:00:00Z");
  const created = clock;
  const calls = (action: string) => cloud.callStats().actions[`kms:${action}`]?.calls ?? 0;

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => clock });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({ name: "rotate-generic", handler: () => undefined });
    await mapBounded(
      Array.from({ length: MANAGED + UNMANAGED }, (_, i) => i),
      32,
      (i) =>
        kms.createSecret({
          secretName: `fleet/app-${String(i).padStart(4, "0")}`,
          secretData: "x",
          versionId: "v1",
          tags:
            i < MANAGED
              ? [
                  { key: "rotor:rotator", value: "generic" },
                  { key: "rotor:interval", value: i % 5 === 0 ? "1d" : "30d" },
                ]
              : [{ key: "team", value: "payments" }],
        }),
    );
  }, 300_000);
  afterAll(() => cloud.close());

  it("reads versions only of the secrets that may be due once records are written", async () => {
    // Prepare: a first run with the key reads every secret and records each one that is not due.
    clock = created + 2 * 3_600_000;
    const first = await runScheduler({ kms, fc, now: clock, kmsQps: 2000, recordKey: KEY });
    expect(first).toMatchObject({ planned: MANAGED, due: 0, failed: [] });
    expect(calls("ListSecretVersionIds")).toBe(MANAGED);
    expect(calls("TagResource")).toBe(MANAGED);
    clock = created + 2 * DAY;
    cloud.resetCallStats();

    // Act
    const plan = await planRotations({ kms, now: clock, kmsQps: 2000, recordKey: KEY });

    // Assess: one listing call per 100 secrets of the account, one read per due secret, nothing else.
    const due = plan.filter((entry) => entry.status === "due");
    expect(plan).toHaveLength(MANAGED);
    expect(due).toHaveLength(MANAGED / 5);
    expect(calls("ListSecrets")).toBe(Math.ceil((MANAGED + UNMANAGED) / 100));
    expect(calls("ListSecretVersionIds")).toBe(due.length);
    expect(Object.keys(cloud.callStats().actions).sort()).toEqual([
      "kms:ListSecretVersionIds",
      "kms:ListSecrets",
    ]);
    const monthly = plan.find((entry) => entry.secretName === "fleet/app-0001");
    expect(monthly).toMatchObject({
      status: "scheduled",
      lastRotation: created,
    });
  });

  it("the scheduler leaves the confirmation of a due secret to its rotation (IfDue)", async () => {
    // Prepare: records in place (the first test); a day and a half-hour on, the daily secrets are due.
    const sent: { functionName: string; event: unknown; delaySeconds?: number | undefined }[] = [];
    const recordingFc = {
      invokeAsync: (functionName: string, event: unknown, taskId?: string, delay?: number) => {
        sent.push({ functionName, event, delaySeconds: delay });
        return fc.invokeAsync(functionName, event, taskId, delay);
      },
    };
    const now = created + DAY + 30 * 60_000;
    cloud.resetCallStats();

    // Act
    const run = await runScheduler({ kms, fc: recordingFc, now, kmsQps: 2000, recordKey: KEY });

    // Assess: one listing call per page and no version read; each rotation asks its function to confirm.
    expect(run).toMatchObject({ planned: MANAGED, due: MANAGED / 5, invoked: MANAGED / 5 });
    expect(calls("ListSecretVersionIds")).toBe(0);
    expect(calls("ListSecrets")).toBe(Math.ceil((MANAGED + UNMANAGED) / 100));
    expect(sent).toHaveLength(MANAGED / 5);
    for (const { event } of sent) {
      const { StartAfterMs, ...request } = event as { StartAfterMs?: number };
      expect(request).toEqual({ SecretName: expect.stringMatching(/^fleet\/app-/), IfDue: true });
      // The turn's part of a second, when it has one (rotation-spread.ts).
      if (StartAfterMs !== undefined) expect(StartAfterMs).toBeGreaterThan(0);
      if (StartAfterMs !== undefined) expect(StartAfterMs).toBeLessThan(1000);
    }
  });

  it("streams the plan: a page is handed on before the listing reads more than one page ahead", async () => {
    // Prepare
    cloud.resetCallStats();
    const listedWhenYielded: number[] = [];

    // Act
    for await (const page of planPages({ kms, now: clock, kmsQps: 2000, recordKey: KEY })) {
      expect(page.length).toBeLessThanOrEqual(100);
      listedWhenYielded.push(calls("ListSecrets"));
    }

    // Assess: page n is yielded when at most n + 1 listing calls were made.
    expect(listedWhenYielded.length).toBeGreaterThanOrEqual(4);
    listedWhenYielded.forEach((listed, index) => {
      expect(listed).toBeLessThanOrEqual(index + 2);
    });
  });

  it("plans a secret from its versions when its record is missing, forged, copied or stale", async () => {
    // Prepare: monthly secrets last rotated when created; records that claim a rotation since.
    const claim = { rotatedAt: clock, previousDigest: undefined };
    const cases = {
      forged: `${new Date(clock).toISOString()}/-/${"0".repeat(32)}`,
      copied: recordValue(KEY, "fleet/app-0001", claim),
      otherKey: recordValue(OTHER_KEY, "fleet/app-0002", claim),
    };
    const names = {
      forged: "fleet/app-0006",
      copied: "fleet/app-0007",
      otherKey: "fleet/app-0002",
    };
    for (const [which, value] of Object.entries(cases)) {
      await kms.tagResource({
        secretName: names[which as keyof typeof names],
        tags: [{ key: ROTATED_TAG, value }],
      });
    }
    await kms.untagResource({ secretName: "fleet/app-0003", tagKeys: [ROTATED_TAG] });
    // Stale: a value put by hand after the record (its new version is ACSCurrent).
    await kms.putSecretValue({ secretName: "fleet/app-0004", secretData: "y", versionId: "v2" });
    const later = clock + 29 * DAY;
    cloud.resetCallStats();

    // Act
    const plan = await planRotations({ kms, now: later, kmsQps: 2000, recordKey: KEY });

    // Assess: the claims of a later rotation do not delay the secrets the versions call due.
    const byName = new Map(plan.map((entry) => [entry.secretName, entry]));
    for (const name of [...Object.values(names), "fleet/app-0003"]) {
      expect(byName.get(name)).toMatchObject({ status: "due", lastRotation: created });
    }
    // The stale record said due; the versions say the hand-put value is 0 days old.
    expect(byName.get("fleet/app-0004")).toMatchObject({
      status: "scheduled",
      lastRotation: clock,
    });
    expect(byName.get("fleet/app-0004")?.currentVersionId).toBe("v2");
  });
});

describe("rotations spread over the window", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let fc: FcClient;
  const clock = Date.parse("2024-06-10T02:10:00Z");
  const rotated = new Map<string, number>();

  beforeAll(async () => {
    cloud = await startLocalCloud({
      now: () => clock,
      // A tenth of Alibaba's quotas: the runs below are throttled (creating the secrets is not).
      quotas: { preset: "alibaba", scale: 0.1, limits: { "secret-create-delete": 10_000 } },
    });
    cloud.fc.scaleAsyncDelays(0.001);
    kms = new KmsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      retry: { attempts: 10, baseDelayMs: 20 },
    });
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({
      name: "rotate-generic",
      handler: async (event) => {
        const { SecretName } = JSON.parse(event.toString("utf8")) as { SecretName: string };
        rotated.set(SecretName, (rotated.get(SecretName) ?? 0) + 1);
      },
    });
    await mapBounded(
      Array.from({ length: 60 }, (_, i) => i),
      4,
      (i) =>
        kms.createSecret({
          secretName: `spread/app-${String(i).padStart(2, "0")}`,
          secretData: "x",
          versionId: "v1",
          // 40 on an interval (due for an hour), 20 in a window open from 02:00 to 02:30.
          tags:
            i < 40
              ? [
                  { key: "rotor:rotator", value: "generic" },
                  { key: "rotor:interval", value: "6h" },
                ]
              : [
                  { key: "rotor:rotator", value: "generic" },
                  { key: "rotor:schedule", value: "0 2 * * *" },
                  { key: "rotor:window", value: "30m" },
                ],
        }),
    );
  }, 300_000);
  afterAll(() => cloud.close());

  it("delays each due rotation to its turn, within its window; a second run rotates nothing twice", async () => {
    // Prepare: when each rotation would start, from when it was sent, FC's delay and StartAfterMs.
    const startsAt: number[] = [];
    const timed: AsyncInvoker = {
      invokeAsync: (functionName, event, taskId, delaySeconds = 0) => {
        const { StartAfterMs = 0 } = event as { StartAfterMs?: number };
        startsAt.push(performance.now() + delaySeconds * 1000 + StartAfterMs);
        return fc.invokeAsync(functionName, event, taskId, delaySeconds);
      },
    };

    // Act: secrets created 12 days before "now" are all due; throttled calls are retried.
    const later = clock + 12 * DAY;
    const run = () =>
      runScheduler({
        kms,
        fc: timed,
        now: later,
        kmsQps: 50,
        rotationsPerSecond: 0.04,
        recordKey: KEY,
      });
    const first = await run();
    const firstStarts = [...startsAt].sort((a, b) => a - b);
    const second = await run();
    await cloud.fc.idle();

    // Assess
    expect(first).toMatchObject({ planned: 60, due: 60, invoked: 60, failed: [], skipped: [] });
    expect(second).toMatchObject({ due: 60, invoked: 0, duplicates: 60, failed: [] });
    expect(rotated.size).toBe(60);
    expect([...rotated.values()].every((count) => count === 1)).toBe(true);
    expect(cloud.callStats().groups["secret-list"]?.throttled).toBeGreaterThan(0);
    // One turn every 25 seconds, the first at once (each lands within a few ms of its turn)...
    const gaps = firstStarts.slice(1).map((at, i) => at - (firstStarts[i] as number));
    expect(gaps.filter((gap) => Math.abs(gap - 25_000) < 50).length).toBeGreaterThanOrEqual(40);
    // ...and none later than the window allows (02:30 less a minute for the scheduled ones):
    // those whose turns would fall later all wait until then, together, at the end.
    const windowLeftMs = Date.parse("2024-06-22T02:30:00Z") - later - 60_000;
    expect((firstStarts.at(-1) as number) - (firstStarts[0] as number)).toBeLessThanOrEqual(
      windowLeftMs + 50,
    );
    const together = gaps.findIndex((gap) => gap < 50);
    expect(together).toBeGreaterThan(0);
    expect(gaps.slice(0, together - 1).every((gap) => gap > 24_950)).toBe(true);
    expect(gaps.slice(together).every((gap) => gap < 50)).toBe(true);
  });

  it("the local FC holds a delayed invocation until its time", async () => {
    // Prepare: delays run at a thousandth of their length here (beforeAll), an hour in 3.6 s.
    const before = cloud.fc.invocations().length;

    // Act
    await fc.invokeAsync("rotate-generic", { SecretName: "spread/app-00" }, "held-task", 3600);

    // Assess: accepted and waiting; a delay FC does not take is refused before it is sent.
    const held = cloud.fc.invocations()[before];
    expect(held).toMatchObject({ delaySeconds: 3600, outcome: "pending", attempts: 0 });
    await expect(fc.invokeAsync("rotate-generic", {}, "bad-delay", 3601)).rejects.toThrow(
      "0 to 3600 whole seconds",
    );
    expect(cloud.fc.invocations()).toHaveLength(before + 1);
    await cloud.fc.idle();
    expect(held?.outcome).toBe("succeeded");
  });
});

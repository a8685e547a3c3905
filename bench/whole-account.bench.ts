/**
 * A whole account within Alibaba's KMS quotas. Planning 1,000, 10,000 and
 * 100,000 managed secrets (seeded straight into a state folder, each with
 * its rotation record, one in a hundred due) as the scheduler plans them,
 * against the local cloud in a process of its own with `--quotas alibaba`,
 * so the heap measured here is the scheduler's alone; with the KMS calls by
 * action and the calls throttled. Then, at 100,000, one scheduler run
 * against an in-process local cloud that rotates the due secrets through
 * the local Function Compute (the real rotate-generic function, as its
 * role), spread over their window, and the calls, throttled calls, retries
 * and the peak rate against each quota group.
 *
 * The rotations are spread at the scheduler's default pace, 4 a second,
 * under the fastest the quota preset allows with CloudMonitor's 70%
 * headroom (rotationsWithinQuotas below: 4.2 a second, bound by the
 * secret-write group), so 10,000 due take about 42 minutes of FC delays
 * however fast the machine is. The function is loaded before the run, as
 * a running FC instance has it. By default the bench
 * rotates 1,000 of the due secrets (about five minutes; the rest are
 * seeded not due); `ROTOR_BENCH_ROTATIONS=10000 npm run bench --
 * whole-account` runs the whole 10,000. ROTOR_BENCH_ROTATIONS_PER_SECOND
 * replaces the pace, and ROTOR_BENCH_DELAY_SCALE runs the delays at that
 * fraction of their length (default 1: shorter delays crowd the rotations
 * together and over the quotas); all are printed with the figures.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serveBuiltInFunctions } from "../src/cli/built-in-functions.ts";
import { KmsClient } from "../src/cloud-api/kms-client.ts";
import {
  ROTATED_TAG,
  recordValue,
  versionDigest,
} from "../src/core/contract/tags/rotation-record.ts";
import { FcClient } from "../src/core/scheduler/fc-client.ts";
import { planPages } from "../src/core/scheduler/plan-pages.ts";
import { DEFAULT_ROTATIONS_PER_SECOND } from "../src/core/scheduler/rotation-spread.ts";
import { DEFAULT_SCHEDULER_KMS_QPS, runScheduler } from "../src/core/scheduler/run-scheduler.ts";
import { startLocalCloud } from "../src/local-cloud/embedded.ts";
import { rotorManagedSecret, seedSecrets } from "../src/local-cloud/seed-secrets.ts";
import { ALIBABA_KMS_QUOTAS } from "../src/local-cloud/throttling/alibaba-kms-quotas.ts";
import type { CallStatsSnapshot } from "../src/local-cloud/throttling/call-stats.ts";
import type { BenchResult } from "./bench-result.ts";
import { type LocalCloudProcess, startLocalCloudProcess } from "./support/local-cloud-process.ts";

const KEY = "bench-record-key-of-at-least-32-characters";
const SIZES = [1_000, 10_000, 100_000];
/** The scheduler's default: with its rotations' listing calls, 70% of the 40 QPS listing group. */
const KMS_QPS = DEFAULT_SCHEDULER_KMS_QPS;
/** Planning alone: one secret in a hundred due, the share a 10-minute timer sees of a spread fleet. */
const PLAN_DUE_EVERY = 100;
const DAY = 86_400_000;
/** Pages between two full collections that measure the scheduler's live heap. */
const PAGES_PER_HEAP_SAMPLE = 50;
/** The share of a quota at which CloudMonitor warns: the rotations stay under it. */
const QUOTA_HEADROOM = 0.7;
/** The KMS calls one generic rotation makes, by action (the recorded runs count them). */
const GENERIC_ROTATION_CALLS: Readonly<Record<string, number>> = {
  GetSecretValue: 1,
  DescribeSecret: 1,
  ListSecretVersionIds: 1,
  GetRandomPassword: 1,
  PutSecretValue: 1,
  UpdateSecretVersionStage: 3,
  TagResource: 1,
};

/**
 * The fastest pace at which generic rotations keep every quota group of
 * the preset under QUOTA_HEADROOM: per group, its limit at 70% over the
 * calls a rotation makes in it; the smallest wins (secret-write: 30 × 0.7
 * / 5 = 4.2 a second).
 */
export function rotationsWithinQuotas(): { perSecond: number; group: string } {
  let best = { perSecond: Number.POSITIVE_INFINITY, group: "" };
  for (const group of ALIBABA_KMS_QUOTAS) {
    const calls = group.actions.reduce(
      (sum, action) => sum + (GENERIC_ROTATION_CALLS[action] ?? 0),
      0,
    );
    if (calls === 0) continue;
    const perSecond = (group.perSecond * QUOTA_HEADROOM) / calls;
    if (perSecond < best.perSecond) best = { perSecond, group: group.name };
  }
  return best;
}

/** V8's full collection, reachable without a flag on the command line. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function numberEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
}

/** Seeds `count` secrets, every tenth due at `now` (up to `dueCap`), each with its record. */
async function seed(
  stateDir: string,
  count: number,
  now: number,
  dueCap: number,
  dueEvery = 10,
): Promise<number> {
  const key = Buffer.from(KEY);
  let due = 0;
  await seedSecrets({
    stateDir,
    count,
    startTime: now - 40 * DAY,
    secret: (index, createTime) => {
      const record = rotorManagedSecret(index, createTime);
      const makeDue = index % dueEvery === 0 && due < dueCap;
      if (makeDue) due += 1;
      // Monthly. The due ones fell due five minutes ago, as a scheduler on its
      // 10-minute timer finds them (older ones are overdue, which the plan
      // confirms from the versions for its report); the others rotated yesterday.
      const rotatedAt = makeDue ? now - 30 * DAY - 5 * 60_000 : now - DAY;
      const current = record.versions[1];
      const previous = record.versions[0];
      if (current) current.createTime = rotatedAt;
      record.tags = [
        { key: "rotor:rotator", value: "generic" },
        { key: "rotor:interval", value: "30d" },
        { key: "team", value: `team-${index % 50}` },
        {
          key: ROTATED_TAG,
          value: recordValue(key, record.name, {
            rotatedAt,
            previousDigest: previous ? versionDigest(previous.versionId) : undefined,
          }),
        },
      ];
      return record;
    },
  });
  return due;
}

/** Calls throttled in every quota group so far. */
function throttledIn(stats: CallStatsSnapshot): number {
  return Object.values(stats.groups).reduce((sum, group) => sum + group.throttled, 0);
}

function kmsCalls(stats: CallStatsSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.actions)
      .filter(([action]) => action.startsWith("kms:"))
      .map(([action, counts]) => [action.slice(4), counts.calls]),
  );
}

interface PlanRun {
  secrets: number;
  due: number;
  planMs: number;
  calls: Record<string, number>;
  throttled: number;
  /** Peak V8 heap in use in this process (the scheduler's; the local cloud is another), garbage included. */
  peakHeapMB: number;
  /** Peak of the heap still in use after a full collection, sampled every PAGES_PER_HEAP_SAMPLE pages. */
  peakLiveHeapMB: number;
  /** The local cloud's own process, for comparison. */
  cloudHeapMB: number;
}

async function cloudStats(cloud: LocalCloudProcess): Promise<CallStatsSnapshot> {
  return (await (await fetch(`${cloud.endpoint}/.rotor/stats`)).json()) as CallStatsSnapshot;
}

async function measurePlan(secrets: number): Promise<PlanRun> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-bench-plan-"));
  const now = Date.now();
  try {
    await seed(stateDir, secrets, now, Number.POSITIVE_INFINITY, PLAN_DUE_EVERY);
    const cloud = await startLocalCloudProcess({
      stateDir,
      args: ["--no-functions", "--quotas", "alibaba"],
    });
    try {
      const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      await fetch(`${cloud.endpoint}/.rotor/stats/reset`, { method: "POST" });
      const gc = collector();
      // What seeding left behind is not the scheduler's.
      gc();
      let due = 0;
      let pages = 0;
      let peakLiveHeap = process.memoryUsage().heapUsed;
      let peakHeap = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }, 50);
      const started = performance.now();
      try {
        // As the scheduler plans: due secrets are confirmed by their rotation (IfDue).
        for await (const page of planPages({
          kms,
          now,
          kmsQps: KMS_QPS,
          concurrency: 16,
          recordKey: Buffer.from(KEY),
          dueFromRecord: true,
        })) {
          due += page.filter((entry) => entry.status === "due").length;
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
          if (++pages % PAGES_PER_HEAP_SAMPLE === 0) {
            gc();
            peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
          }
        }
      } finally {
        clearInterval(sampler);
      }
      const planMs = performance.now() - started;
      const stats = await cloudStats(cloud);
      return {
        secrets,
        due,
        planMs,
        calls: kmsCalls(stats),
        throttled: throttledIn(stats),
        peakHeapMB: peakHeap / 2 ** 20,
        peakLiveHeapMB: peakLiveHeap / 2 ** 20,
        cloudHeapMB: stats.memory.heapUsedBytes / 2 ** 20,
      };
    } finally {
      await cloud.stop();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function measureWholeAccount(
  rotations: number,
  rotationsPerSecond: number,
  delayScale: number,
) {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-bench-account-"));
  const now = Date.now();
  try {
    const due = await seed(stateDir, 100_000, now, rotations);
    const cloud = await startLocalCloud({ stateDir, quotas: "alibaba" });
    try {
      await serveBuiltInFunctions(cloud, {
        environment: { "rotate-generic": { ROTOR_RECORD_KEY: KEY } },
      });
      cloud.fc.scaleAsyncDelays(delayScale);
      const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      // Load the function once, as a running FC instance has it loaded: otherwise the
      // rotations due while its first start loads it would all begin together after.
      await fc.invokeSync("rotate-generic", {
        SecretName: rotorManagedSecret(1, now).name,
        DryRun: true,
      });
      cloud.resetCallStats();
      const started = performance.now();
      const summary = await runScheduler({
        kms,
        fc,
        now,
        kmsQps: KMS_QPS,
        concurrency: 16,
        recordKey: Buffer.from(KEY),
        rotationsPerSecond,
      });
      const planAndFanOutMs = performance.now() - started;
      const throttledDuringFanOut = throttledIn(cloud.callStats());
      await cloud.fc.idle();
      const wallMs = performance.now() - started;
      const stats = cloud.callStats();
      // The scheduler's invocations, not the synchronous one that loaded the function.
      const records = cloud.fc
        .invocations()
        .filter((r) => r.functionName === "rotate-generic" && r.type === "Async");
      return {
        due,
        summary,
        planAndFanOutMs,
        throttledDuringFanOut,
        wallMs,
        stats,
        succeeded: records.filter((r) => r.outcome === "succeeded").length,
        asyncRetries: records.reduce((sum, r) => sum + Math.max(0, r.attempts - 1), 0),
        maxDelay: Math.max(0, ...records.map((r) => r.delaySeconds ?? 0)),
      };
    } finally {
      await cloud.close();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<BenchResult> {
  const rotations = numberEnv("ROTOR_BENCH_ROTATIONS", 1_000);
  const pace = rotationsWithinQuotas();
  const rotationsPerSecond = numberEnv(
    "ROTOR_BENCH_ROTATIONS_PER_SECOND",
    DEFAULT_ROTATIONS_PER_SECOND,
  );
  const delayScale = numberEnv("ROTOR_BENCH_DELAY_SCALE", 1);
  const plans: PlanRun[] = [];
  for (const size of SIZES) plans.push(await measurePlan(size));
  const account = await measureWholeAccount(rotations, rotationsPerSecond, delayScale);
  const largest = plans.at(-1) as PlanRun;
  const callsPer = (run: PlanRun) =>
    Object.values(run.calls).reduce((sum, calls) => sum + calls, 0);
  const groups = Object.entries(account.stats.groups);
  const throttled = throttledIn(account.stats);
  return {
    name: "Whole account within the KMS quotas",
    description: `Plans 1,000, 10,000 and 100,000 managed secrets (one in ${PLAN_DUE_EVERY} due, each with its rotation record) as the scheduler does (due secrets confirmed by their rotation), against the local cloud in its own process with \`--quotas alibaba\`, the scheduler's default KMS budget of ${KMS_QPS} calls/s (with its rotations' listing calls, 70% of the listing quota); heap is the planning process's own: live (after a full collection every ${PAGES_PER_HEAP_SAMPLE} pages) and in use (garbage included); then one scheduler run at 100,000 secrets that rotates ${account.due} due secrets through the local FC's rotate-generic function, spread at ${rotationsPerSecond} rotations/s (the scheduler's default is ${DEFAULT_ROTATIONS_PER_SECOND}; the preset allows ${pace.perSecond.toFixed(1)}/s at ${QUOTA_HEADROOM * 100}% of each quota, bound by ${pace.group}), each started on its turn by FC's whole-second delay and the event's StartAfterMs, FC delays run at ${delayScale} of their length.`,
    lines: [
      "| secrets | due | plan time | ListSecrets | ListSecretVersionIds | KMS calls per secret | throttled | scheduler heap, live (peak) | scheduler heap, in use (peak) | local cloud heap |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...plans.map(
        (p) =>
          `| ${p.secrets} | ${p.due} | ${(p.planMs / 1000).toFixed(1)} s | ${p.calls.ListSecrets ?? 0} | ${p.calls.ListSecretVersionIds ?? 0} | ${(callsPer(p) / p.secrets).toFixed(3)} | ${p.throttled} | ${p.peakLiveHeapMB.toFixed(0)} MB | ${p.peakHeapMB.toFixed(0)} MB | ${p.cloudHeapMB.toFixed(0)} MB |`,
      ),
      "",
      `Whole account (100,000 secrets, ${account.due} due): plan and fan-out ${(account.planAndFanOutMs / 1000).toFixed(1)} s, all rotations done after ${(account.wallMs / 1000).toFixed(1)} s; ${account.succeeded} rotated, ${account.summary.failed.length} requests failed, ${account.asyncRetries} FC retries, longest delay ${account.maxDelay} s; ${throttled === 0 ? "no KMS call throttled." : `${throttled} KMS calls throttled (each retried by its client), ${account.throttledDuringFanOut} of them while the scheduler was still planning and sending.`}`,
      "",
      "| KMS action | calls | throttled |",
      "| --- | --- | --- |",
      ...Object.entries(account.stats.actions)
        .filter(([action]) => action.startsWith("kms:"))
        .map(([action, c]) => `| ${action.slice(4)} | ${c.calls} | ${c.throttled} |`),
      "",
      "| quota group | limit/s | peak offered/s | peak admitted/s | throttled |",
      "| --- | --- | --- | --- | --- |",
      ...groups.map(
        ([name, g]) =>
          `| ${name} (${g.basis}) | ${g.limitPerSecond} | ${g.peakCallsPerSecond} | ${g.peakAdmittedPerSecond} | ${g.throttled} |`,
      ),
    ],
    numbers: {
      planMs100k: largest.planMs,
      planMs10k: plans[1]?.planMs ?? 0,
      planMs1k: plans[0]?.planMs ?? 0,
      kmsCallsPerSecret100k: callsPer(largest) / largest.secrets,
      planThrottled100k: largest.throttled,
      schedulerPeakHeapMB100k: largest.peakHeapMB,
      schedulerPeakLiveHeapMB100k: largest.peakLiveHeapMB,
      wholeAccountRotations: account.succeeded,
      rotationsPerSecond,
      wholeAccountWallMs: account.wallMs,
      wholeAccountFcRetries: account.asyncRetries,
      throttledCalls: throttled,
    },
  };
}

/**
 * Scheduler scale: plan time and fan-out throughput for 1,000 and 10,000
 * managed secrets against the local cloud (in memory, in this process),
 * and KMS calls per secret planned. Growth is judged by the per-secret
 * cost at 10,000 against the per-secret cost at 1,000 measured in the same
 * run: 1.0 means linear.
 */

import { KmsClient } from "../src/cloud-api/kms-client.ts";
import { fanOut } from "../src/core/scheduler/fan-out.ts";
import { FcClient } from "../src/core/scheduler/fc-client.ts";
import { planRotations } from "../src/core/scheduler/plan-pages.ts";
import { mapBounded } from "../src/core/scheduler/rate-limiter.ts";
import { startLocalCloud } from "../src/local-cloud/embedded.ts";
import type { BenchResult } from "./bench-result.ts";

interface ScaleRun {
  secrets: number;
  planMs: number;
  kmsCalls: number;
  due: number;
  fanOutMs: number;
}

async function measure(secrets: number): Promise<ScaleRun> {
  let clock = Date.parse("2024-06-01T00:00:00Z");
  let kmsCalls = 0;
  let counting = false;
  const cloud = await startLocalCloud({
    now: () => clock,
    log: (line) => {
      if (counting && !line.startsWith("InvokeFunction")) kmsCalls++;
    },
  });
  try {
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({ name: "rotate-generic", handler: () => undefined });
    await mapBounded(
      Array.from({ length: secrets }, (_, i) => i),
      32,
      (i) =>
        kms.createSecret({
          secretName: `bench/app-${i}`,
          secretData: "x",
          versionId: "v1",
          tags: [
            { key: "rotor:rotator", value: "generic" },
            { key: "rotor:interval", value: i % 3 === 0 ? "1d" : "30d" },
          ],
        }),
    );
    clock += 2 * 86_400_000;
    counting = true;
    let started = performance.now();
    // Budgets far above what this machine can do, so the numbers show the work, not the limiter.
    const plan = await planRotations({ kms, now: clock, kmsQps: 1_000_000, concurrency: 16 });
    const planMs = performance.now() - started;
    counting = false;
    const due = plan.filter((entry) => entry.status === "due");
    started = performance.now();
    await fanOut(due, { fc, now: clock, fcQps: 1_000_000, concurrency: 16 });
    const fanOutMs = performance.now() - started;
    await cloud.fc.idle();
    return { secrets, planMs, kmsCalls, due: due.length, fanOutMs };
  } finally {
    await cloud.close();
  }
}

export default async function run(): Promise<BenchResult> {
  const small = await measure(1_000);
  const large = await measure(10_000);
  const perSecret = (r: ScaleRun) => r.planMs / r.secrets;
  const perInvoke = (r: ScaleRun) => r.fanOutMs / r.due;
  const planGrowth = perSecret(large) / perSecret(small);
  const fanOutGrowth = perInvoke(large) / perInvoke(small);
  const row = (r: ScaleRun) =>
    `| ${r.secrets} | ${r.planMs.toFixed(0)} ms | ${(r.kmsCalls / r.secrets).toFixed(3)} | ${r.due} | ${((r.due / r.fanOutMs) * 1000).toFixed(0)}/s |`;
  return {
    name: "Scheduler scale",
    description:
      "Plans 1,000 and 10,000 managed secrets (one in three due) and fans out the due ones as asynchronous FC invocations, against the in-process local cloud.",
    lines: [
      "| secrets | plan time | KMS calls per secret | due | fan-out rate |",
      "| --- | --- | --- | --- | --- |",
      row(small),
      row(large),
      "",
      `Per-secret plan cost at 10,000 ÷ at 1,000: **${planGrowth.toFixed(2)}** (1.0 is linear); per-invocation fan-out cost: **${fanOutGrowth.toFixed(2)}**.`,
    ],
    numbers: {
      planMs1k: small.planMs,
      planMs10k: large.planMs,
      kmsCallsPerSecret: large.kmsCalls / large.secrets,
      planGrowthRatio: planGrowth,
      fanOutPerSecond10k: (large.due / large.fanOutMs) * 1000,
      fanOutGrowthRatio: fanOutGrowth,
    },
  };
}

/**
 * A whole crash campaign: one local cloud in its own process, then each
 * rotator kind in turn on its own secret and target. The ECS kinds need a
 * real sshd (and root, to create accounts), the Redis kinds a real
 * redis-server: without one they are skipped with the reason, except under
 * CI=true, where that is an error. The PolarDB kinds' servers start before
 * the cloud, which must know their clusters.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisMissing } from "../../test/support/redis.ts";
import { sshdSkipReason } from "../../test/support/sshd.ts";
import { type CampaignPolarDb, startCampaignPolarDb } from "./campaign-polardb.ts";
import { type CampaignRedis, startCampaignRedis } from "./campaign-redis.ts";
import type { CampaignSummary } from "./campaign-report.ts";
import { type CampaignSshd, startCampaignSshd } from "./campaign-sshd.ts";
import {
  type CampaignKind,
  isEcsKind,
  isPolarDbKind,
  isRedisKind,
  prepareTarget,
} from "./campaign-targets.ts";
import { buildChildBundles } from "./child-bundles.ts";
import { startCloudProcess } from "./cloud-process.ts";
import { type KindReport, runKindCampaign } from "./crash-run.ts";

export interface CampaignOptions {
  /** Runs per rotator kind; kinds absent or at 0 are skipped. */
  runs: Partial<Record<CampaignKind, number>>;
  seed: number;
  cloudKillRate: number;
  timedKillRate: number;
  progress?: (line: string) => void;
}

/** A small seeded generator (mulberry32), so a campaign can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const startedAt = new Date();
  const random = seededRandom(options.seed);
  const requested = (Object.entries(options.runs) as [CampaignKind, number][]).filter(
    ([, runs]) => runs > 0,
  );
  const skipped: { kind: CampaignKind; reason: string }[] = [];
  let sshd: CampaignSshd | undefined;
  if (requested.some(([kind]) => isEcsKind(kind))) {
    // Throws under CI=true: a CI machine without sshd is broken, not a reason to pass.
    const reason = sshdSkipReason();
    if (reason === undefined) sshd = await startCampaignSshd();
    else {
      for (const [kind] of requested.filter(([kind]) => isEcsKind(kind))) {
        skipped.push({ kind, reason });
        options.progress?.(`${kind}: skipped, ${reason}`);
      }
    }
  }
  let redis: CampaignRedis | undefined;
  if (requested.some(([kind]) => isRedisKind(kind))) {
    const reason = redisMissing();
    if (reason !== undefined && process.env.CI === "true") {
      throw new Error(`Redis is required under CI: ${reason}`);
    }
    if (reason === undefined) redis = await startCampaignRedis();
    else {
      for (const [kind] of requested.filter(([kind]) => isRedisKind(kind))) {
        skipped.push({ kind, reason });
        options.progress?.(`${kind}: skipped, ${reason}`);
      }
    }
  }
  const reports: KindReport[] = [];
  let polardb: CampaignPolarDb | undefined;
  try {
    const polardbKinds = requested.map(([kind]) => kind).filter(isPolarDbKind);
    if (polardbKinds.length > 0) polardb = await startCampaignPolarDb(polardbKinds);
    await runKinds({ requested, skipped, sshd, redis, polardb, reports, random, options });
  } finally {
    await Promise.all([sshd?.stop(), redis?.stop(), polardb?.stop()]);
  }
  return {
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    seed: options.seed,
    cloudKillRate: options.cloudKillRate,
    timedKillRate: options.timedKillRate,
    reports,
    skipped,
    node: process.version,
  };
}

/** Starts the local cloud process and runs each kind not skipped, appending to `reports`. */
async function runKinds({
  requested,
  skipped,
  sshd,
  redis,
  polardb,
  reports,
  random,
  options,
}: {
  requested: readonly [CampaignKind, number][];
  skipped: readonly { kind: CampaignKind }[];
  sshd: CampaignSshd | undefined;
  redis: CampaignRedis | undefined;
  polardb: CampaignPolarDb | undefined;
  reports: KindReport[];
  random: () => number;
  options: CampaignOptions;
}): Promise<void> {
  const bundles = await buildChildBundles();
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-campaign-cloud-"));
  const cloud = await startCloudProcess(bundles.cloudChild, stateDir, {
    ecsInstances: sshd?.ecsInstances,
    redisInstances: redis?.redisInstances,
    polardbClusters: polardb?.clusters,
  });
  try {
    for (const [kind, runs] of requested) {
      if (skipped.some((skip) => skip.kind === kind)) continue;
      options.progress?.(`${kind}: preparing the target`);
      const target = await prepareTarget(kind, cloud, sshd, redis, polardb);
      try {
        reports.push(
          await runKindCampaign(target, cloud, bundles.rotationChild, {
            runs,
            cloudKillRate: options.cloudKillRate,
            timedKillRate: options.timedKillRate,
            random,
            progress: options.progress,
          }),
        );
      } finally {
        await target.close();
      }
    }
  } finally {
    await cloud.stop();
    await rm(stateDir, { recursive: true, force: true });
    await rm(bundles.folder, { recursive: true, force: true });
  }
}

/**
 * The local cloud at 1,000, 10,000 and 100,000 secrets, each state seeded
 * straight into a state folder (src/local-cloud/seed-secrets.ts) and
 * opened by `rotor local-cloud` in a child process:
 *
 * - start: spawn to "listening", and the state's own load time; baseline:
 *   the same command on an empty state, in the same run;
 * - ListSecrets pages (PageSize 100, FetchTags): a scan through a TagKey
 *   filter matching every secret, page after page, each page after a
 *   TagResource on some secret (as rotations tag secrets while the
 *   scheduler lists them); and the first page of a listing the cloud has
 *   not seen, for a filter matching all secrets, one matching 2%
 *   (TagValue) and a SecretName substring (its TotalCount needs every
 *   secret read); baseline: GetSecretValue on the same server;
 * - memory: the process's RSS and V8 heap (GET /.rotor/stats), beside the
 *   empty state's.
 *
 * Then the quota preset's accuracy: `--quotas alibaba` offered 1.5 times
 * each group's limit at once, open loop, for a few seconds; the server's
 * counts give the admitted rate and the busiest second per group.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KmsClient, type SecretFilter } from "../src/cloud-api/kms-client.ts";
import { seedSecrets } from "../src/local-cloud/seed-secrets.ts";
import type { CallStatsSnapshot } from "../src/local-cloud/throttling/call-stats.ts";
import { signV3 } from "../test/local-cloud/support/test-signer.ts";
import type { BenchResult } from "./bench-result.ts";
import { type LocalCloudProcess, startLocalCloudProcess } from "./support/local-cloud-process.ts";
import { presignedSender } from "./support/presigned-http-client.ts";

const SIZES = [1_000, 10_000, 100_000];
const SCAN_PAGES = 40;
const FRESH_ROUNDS = 7;
/** More listings than the cloud keeps, so the next one is new to it. */
const EVICTING_LISTINGS = 20;
const BASELINE_CALLS = 40;
const QUOTA_SECONDS = 5;
const QUOTA_OVERLOAD = 1.5;
/** What the local cloud should do at 100,000 secrets. */
const TARGET_START_MS = 5_000;
const TARGET_PAGE_MS = 20;
const PROBE = "bench/probe";
const MB = 2 ** 20;

const ALL_MANAGED: SecretFilter[] = [{ key: "TagKey", values: ["rotor:rotator"] }];
const FRESH_FILTERS: { label: string; filters: SecretFilter[] }[] = [
  { label: "TagKey (all)", filters: ALL_MANAGED },
  { label: "TagValue (2%)", filters: [{ key: "TagValue", values: ["team-7"] }] },
  { label: "SecretName (substring)", filters: [{ key: "SecretName", values: ["app-0"] }] },
];

interface SizeRun {
  secrets: number;
  seedMs: number;
  startMs: number;
  loadMs: number;
  rssMB: number;
  heapMB: number;
  valueMs: number;
  scanPageMs: number;
  scanPageP99Ms: number;
  freshPageMs: Record<string, number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

async function stats(cloud: LocalCloudProcess): Promise<CallStatsSnapshot> {
  return (await (await fetch(`${cloud.endpoint}/.rotor/stats`)).json()) as CallStatsSnapshot;
}

async function measureSize(secrets: number): Promise<SizeRun> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-bench-scale-"));
  try {
    const seedMs = secrets === 0 ? 0 : await timed(() => seedSecrets({ stateDir, count: secrets }));
    const started = performance.now();
    const cloud = await startLocalCloudProcess({ stateDir, args: ["--no-functions"] });
    const startMs = performance.now() - started;
    try {
      const loaded = await stats(cloud);
      const kms = new KmsClient({
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        retry: { attempts: 1 },
        timeoutMs: 60_000,
      });
      await kms.createSecret({ secretName: PROBE, secretData: "x", versionId: "v1" });
      const valueTimes: number[] = [];
      for (let i = 0; i < BASELINE_CALLS; i++) {
        valueTimes.push(await timed(() => kms.getSecretValue({ secretName: PROBE })));
      }
      const run: SizeRun = {
        secrets,
        seedMs,
        startMs,
        loadMs: loaded.state.loadMs,
        rssMB: loaded.memory.rssBytes / MB,
        heapMB: loaded.memory.heapUsedBytes / MB,
        valueMs: median(valueTimes.slice(BASELINE_CALLS / 4)),
        scanPageMs: 0,
        scanPageP99Ms: 0,
        freshPageMs: {},
      };
      if (secrets === 0) return run;
      const pageTimes: number[] = [];
      for (let page = 1; page <= Math.min(SCAN_PAGES, secrets / 100); page++) {
        const tagged = `rotor/generic/app-${String((page * 7919) % secrets).padStart(6, "0")}`;
        await kms.tagResource({
          secretName: tagged,
          tags: [{ key: "rotor:lease", value: `${page}` }],
        });
        pageTimes.push(
          await timed(() =>
            kms.listSecrets({
              filters: ALL_MANAGED,
              fetchTags: true,
              pageSize: 100,
              pageNumber: page,
            }),
          ),
        );
      }
      run.scanPageMs = median(pageTimes);
      run.scanPageP99Ms = percentile(pageTimes, 99);
      const fresh: Record<string, number[]> = Object.fromEntries(
        FRESH_FILTERS.map(({ label }) => [label, []]),
      );
      for (let round = 0; round < FRESH_ROUNDS; round++) {
        for (let i = 0; i < EVICTING_LISTINGS; i++) {
          const filters: SecretFilter[] = [{ key: "TagValue", values: [`unused-${round}-${i}`] }];
          await kms.listSecrets({ filters, pageSize: 1 });
        }
        for (const { label, filters } of FRESH_FILTERS) {
          fresh[label]?.push(
            await timed(() => kms.listSecrets({ filters, fetchTags: true, pageSize: 100 })),
          );
        }
      }
      run.freshPageMs = Object.fromEntries(
        Object.entries(fresh).map(([label, times]) => [label, median(times)]),
      );
      return run;
    } finally {
      await cloud.stop();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

interface QuotaRow {
  group: string;
  limit: number;
  basis: string;
  offeredPerSecond: number;
  admittedPerSecond: number;
  peakAdmittedPerSecond: number;
  throttled: number;
}

/** One request of each group's kind; `i` keeps created names apart. */
const GROUP_REQUESTS: Record<
  string,
  (i: number) => { action: string; query: Record<string, string> }
> = {
  "secret-create-delete": (i) => ({
    action: "CreateSecret",
    query: { SecretName: `bench/quota-${i}`, SecretData: "x", VersionId: "v1" },
  }),
  "secret-value": () => ({ action: "GetSecretValue", query: { SecretName: PROBE } }),
  "secret-list": () => ({ action: "ListSecrets", query: { PageSize: "10" } }),
  "secret-write": () => ({
    action: "TagResource",
    query: { SecretName: PROBE, Tags: JSON.stringify([{ TagKey: "k", TagValue: "v" }]) },
  }),
  "random-password": () => ({ action: "GetRandomPassword", query: {} }),
};

async function measureQuotas(): Promise<QuotaRow[]> {
  const cloud = await startLocalCloudProcess({ args: ["--no-functions", "--quotas", "alibaba"] });
  try {
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await kms.createSecret({ secretName: PROBE, secretData: "x", versionId: "v1" });
    const limits = (await stats(cloud)).groups;
    await fetch(`${cloud.endpoint}/.rotor/stats/reset`, { method: "POST" });
    const sender = presignedSender(cloud.port, 128);
    const host = `127.0.0.1:${cloud.port}`;
    const sent: Record<string, number> = {};
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    // Open loop: each group's requests go out on schedule, answered or not.
    while (performance.now() - started < QUOTA_SECONDS * 1000) {
      const elapsed = (performance.now() - started) / 1000;
      for (const [group, request] of Object.entries(GROUP_REQUESTS)) {
        const due = Math.floor((limits[group]?.limitPerSecond ?? 0) * QUOTA_OVERLOAD * elapsed);
        while ((sent[group] ?? 0) < due) {
          const { action, query } = request(sent[group] ?? 0);
          sent[group] = (sent[group] ?? 0) + 1;
          const raw = signV3({ host, ...cloud.credentials, action, query });
          inFlight.push(sender.send(raw).catch(() => {}));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    sender.close();
    const counted = (await stats(cloud)).groups;
    return Object.keys(GROUP_REQUESTS).map((group) => {
      const counts = counted[group];
      return {
        group,
        limit: counts?.limitPerSecond ?? 0,
        basis: counts?.basis ?? "?",
        offeredPerSecond: (counts?.calls ?? 0) / seconds,
        admittedPerSecond: (counts?.admitted ?? 0) / seconds,
        peakAdmittedPerSecond: counts?.peakAdmittedPerSecond ?? 0,
        throttled: counts?.throttled ?? 0,
      };
    });
  } finally {
    await cloud.stop();
  }
}

export default async function run(): Promise<BenchResult> {
  const empty = await measureSize(0);
  const runs: SizeRun[] = [];
  for (const size of SIZES) runs.push(await measureSize(size));
  const quotas = await measureQuotas();
  const largest = runs.at(-1) as SizeRun;
  const [, middle] = runs as [SizeRun, SizeRun, SizeRun];
  const perSecretLoad = (r: SizeRun) => r.loadMs / r.secrets;
  const loadGrowth = perSecretLoad(largest) / perSecretLoad(middle);
  const verdict = (met: boolean) => (met ? "met" : "not met");
  const freshLabels = FRESH_FILTERS.map((f) => f.label);
  const worstFresh = Math.max(...freshLabels.map((l) => largest.freshPageMs[l] ?? 0));
  const sizeRow = (r: SizeRun) =>
    `| ${r.secrets.toLocaleString("en")} | ${r.seedMs.toFixed(0)} ms | ${r.startMs.toFixed(0)} ms | ${r.loadMs} ms | ${r.scanPageMs.toFixed(1)} ms (p99 ${r.scanPageP99Ms.toFixed(1)}) | ${freshLabels.map((l) => `${(r.freshPageMs[l] ?? 0).toFixed(1)} ms`).join(" | ")} | ${r.valueMs.toFixed(1)} ms | ${r.rssMB.toFixed(0)} MB | ${r.heapMB.toFixed(0)} MB |`;
  const quotaRow = (q: QuotaRow) =>
    `| ${q.group} | ${q.limit} (${q.basis}) | ${q.offeredPerSecond.toFixed(1)} | ${q.admittedPerSecond.toFixed(1)} | ${(q.admittedPerSecond / q.limit).toFixed(2)} | ${q.peakAdmittedPerSecond} | ${q.throttled} |`;
  return {
    name: "Local cloud at scale",
    description: `States of ${SIZES.map((s) => s.toLocaleString("en")).join(", ")} Rotor-managed secrets (two versions, three tags each) seeded into a state folder, each opened by \`rotor local-cloud --no-functions\` in a child process; the baseline is the same command on an empty state, and GetSecretValue on the same server. Pages: PageSize 100 with FetchTags through KmsClient; a scan of ${SCAN_PAGES} pages in order, each after a TagResource on another secret (median, p99), and the first page of a listing new to the cloud (median of ${FRESH_ROUNDS}). Memory right after the state was opened. Quotas: \`--quotas alibaba\` offered ${QUOTA_OVERLOAD}× every group's limit at once, open loop, for ${QUOTA_SECONDS} s, through pre-signed requests; rates from the server's counts.`,
    lines: [
      `| secrets | seed | start (spawn → listening) | state load | page of a scan | ${freshLabels.map((l) => `first page, ${l}`).join(" | ")} | GetSecretValue | RSS | heap |`,
      `| --- | --- | --- | --- | --- | ${freshLabels.map(() => "---").join(" | ")} | --- | --- | --- |`,
      sizeRow(empty),
      ...runs.map(sizeRow),
      "",
      `Start at 100,000 secrets: ${largest.startMs.toFixed(0)} ms, ${(largest.startMs / empty.startMs).toFixed(2)}× an empty state's (target under ${TARGET_START_MS} ms: ${verdict(largest.startMs < TARGET_START_MS)}). State load per secret at 100,000 ÷ at 10,000: **${loadGrowth.toFixed(2)}** (1.0 is linear).`,
      `ListSecrets page at 100,000 secrets: ${largest.scanPageMs.toFixed(1)} ms in a scan (p99 ${largest.scanPageP99Ms.toFixed(1)}), ${worstFresh.toFixed(1)} ms for the slowest first page of a new listing; ${(largest.scanPageMs / largest.valueMs).toFixed(2)}× and ${(worstFresh / largest.valueMs).toFixed(2)}× a GetSecretValue (target under ${TARGET_PAGE_MS} ms: ${verdict(Math.max(largest.scanPageMs, worstFresh) < TARGET_PAGE_MS)}).`,
      `Memory at 100,000 secrets: RSS ${largest.rssMB.toFixed(0)} MB, heap ${largest.heapMB.toFixed(0)} MB (empty state: ${empty.rssMB.toFixed(0)} MB, ${empty.heapMB.toFixed(0)} MB); about ${(((largest.heapMB - empty.heapMB) * MB) / largest.secrets).toFixed(0)} bytes of heap per secret.`,
      "",
      "| quota group | limit/s | offered/s | admitted/s | admitted ÷ limit | busiest second | throttled |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...quotas.map(quotaRow),
    ],
    numbers: {
      emptyStartMs: empty.startMs,
      ...Object.fromEntries(
        runs.flatMap((r) => {
          const k = `${r.secrets / 1000}k`;
          return [
            [`startMs${k}`, r.startMs],
            [`loadMs${k}`, r.loadMs],
            [`scanPageMs${k}`, r.scanPageMs],
            [`scanPageP99Ms${k}`, r.scanPageP99Ms],
            ...FRESH_FILTERS.map(({ label }, i) => [
              `firstPageMs${k}.${["tagKeyAll", "tagValueFew", "nameSubstring"][i]}`,
              r.freshPageMs[label] ?? 0,
            ]),
            [`getSecretValueMs${k}`, r.valueMs],
            [`rssMB${k}`, r.rssMB],
            [`heapMB${k}`, r.heapMB],
          ];
        }),
      ),
      loadGrowthRatio: loadGrowth,
      ...Object.fromEntries(
        quotas.map((q) => [`admittedToLimit.${q.group}`, q.admittedPerSecond / q.limit]),
      ),
      ...Object.fromEntries(
        quotas.map((q) => [`peakToLimit.${q.group}`, q.peakAdmittedPerSecond / q.limit]),
      ),
    },
  };
}

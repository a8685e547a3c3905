/**
 * npm run campaign: the crash campaign. Kills rotations (and the local
 * cloud) with SIGKILL at random points, lets the next invocation finish,
 * checks the invariants, and writes the results into docs/reliability.md
 * (between its campaign markers). Exit code 1 when any invariant broke.
 *
 *   npm run campaign                              # the default counts (DEFAULT_RUNS)
 *   npm run campaign -- --runs generic=300,ram-access-key=300,mysql=200,postgres=200
 *   npm run campaign -- --runs 20 --no-report     # 20 per rotator, print only
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { renderCampaignSection, totals } from "./campaign/campaign-report.ts";
import { CAMPAIGN_KINDS, type CampaignKind, isEcsKind } from "./campaign/campaign-targets.ts";
import { runCampaign } from "./campaign/run-campaign.ts";

const REPORT = "docs/reliability.md";
const START = "<!-- crash-campaign:start -->";
const END = "<!-- crash-campaign:end -->";

/**
 * Runs per kind without --runs. An ECS run costs several SSH logins (and a
 * refused password login costs PAM's failure delay), up to ten times a
 * generic run: fewer of them keep a default campaign near half an hour.
 */
const DEFAULT_RUNS = Object.fromEntries(
  CAMPAIGN_KINDS.map((kind) => [kind, isEcsKind(kind) ? 30 : 200]),
) as Record<CampaignKind, number>;

function parseRuns(spec: string): Partial<Record<CampaignKind, number>> {
  if (/^\d+$/.test(spec))
    return Object.fromEntries(CAMPAIGN_KINDS.map((kind) => [kind, Number(spec)]));
  const runs: Partial<Record<CampaignKind, number>> = {};
  for (const pair of spec.split(",")) {
    const [kind, value] = pair.split("=");
    if (!CAMPAIGN_KINDS.includes(kind as CampaignKind) || !/^\d+$/.test(value ?? "")) {
      throw new Error(
        `--runs: expected N or kind=N pairs with kinds ${CAMPAIGN_KINDS.join(", ")}, got ${JSON.stringify(pair)}`,
      );
    }
    runs[kind as CampaignKind] = Number(value);
  }
  return runs;
}

function parseRate(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const rate = Number(text);
  if (!(rate >= 0 && rate <= 1))
    throw new Error(`${flag}: expected a number from 0 to 1, got ${JSON.stringify(text)}`);
  return rate;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      seed: { type: "string" },
      "cloud-kill-rate": { type: "string" },
      "timed-kill-rate": { type: "string" },
      "no-report": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npm run campaign -- [--runs N | --runs kind=N,...] [--seed N]
  [--cloud-kill-rate 0.15] [--timed-kill-rate 0.25] [--no-report]
Kinds: ${CAMPAIGN_KINDS.join(", ")}; by default ${Object.entries(DEFAULT_RUNS)
      .map(([kind, runs]) => `${kind}=${runs}`)
      .join(",")}.
The ECS kinds need /usr/sbin/sshd and root, the Redis kinds /usr/bin/redis-server; without them they
are skipped (an error under CI=true).
Writes ${REPORT} unless --no-report.`);
    return 0;
  }
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  const summary = await runCampaign({
    runs: values.runs === undefined ? DEFAULT_RUNS : parseRuns(values.runs),
    seed,
    cloudKillRate: parseRate(values["cloud-kill-rate"], "--cloud-kill-rate", 0.15),
    timedKillRate: parseRate(values["timed-kill-rate"], "--timed-kill-rate", 0.25),
    progress: (line) => console.log(line),
  });
  const section = renderCampaignSection(summary);
  console.log(section);
  if (!values["no-report"]) {
    const document = await readFile(REPORT, "utf8");
    const start = document.indexOf(START);
    const end = document.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${REPORT} has no ${START} … ${END} markers`);
    await writeFile(
      REPORT,
      `${document.slice(0, start + START.length)}\n${section}\n${document.slice(end)}`,
    );
    console.log(`wrote ${REPORT}`);
  }
  return totals(summary).violations === 0 ? 0 : 1;
}

process.exitCode = await main();

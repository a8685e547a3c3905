/**
 * Cold start of each function bundle: its size, and the time a fresh Node
 * process takes to load it and build the handler (FC's cold start, minus
 * the platform's own work), beside a bare `node -e 0` and beside loading
 * the unbundled TypeScript sources (through tsx, the only way they run),
 * measured in the same rounds so load from other work hits all alike.
 * Targets: each bundle at most 1.5 MB, load and init at most 150 ms above
 * bare Node.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunctions, REPO_ROOT } from "../src/build/bundle-functions.ts";
import type { BenchResult } from "./bench-result.ts";

const ROUNDS = 5;
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;
const MAX_INIT_MS = 150;
const DRIVERS = ["mysql2", "pg", "ssh2"];

/** Wall time of one fresh process running `args`, in ms. */
function processMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export default async function run(): Promise<BenchResult> {
  const outDir = await mkdtemp(join(tmpdir(), "rotor-cold-start-"));
  try {
    const bundles = await bundleFunctions({ outDir });
    const bare: number[] = [];
    const bundled = new Map<string, number[]>();
    const sources = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const bundle of bundles) {
        bare.push(processMs(["-e", "0"]));
        (bundled.get(bundle.name) ?? bundled.set(bundle.name, []).get(bundle.name))?.push(
          processMs(["-e", `require(${JSON.stringify(bundle.file)})`]),
        );
        const entry = join(REPO_ROOT, "functions", bundle.name, "index.ts");
        (sources.get(bundle.name) ?? sources.set(bundle.name, []).get(bundle.name))?.push(
          processMs(["--import", "tsx", "-e", `await import(${JSON.stringify(entry)})`]),
        );
      }
    }
    const bareMs = median(bare);
    const numbers: Record<string, number> = { bareNodeMs: bareMs };
    const lines = [
      `- bare \`node -e 0\`: ${bareMs.toFixed(0)} ms (median of ${bare.length})`,
      "",
      "| function | bundle | load + init above bare Node | sources (tsx) above bare Node | drivers bundled | targets |",
      "| --- | --- | --- | --- | --- | --- |",
    ];
    for (const bundle of bundles) {
      const bundleMs = median(bundled.get(bundle.name) ?? []) - bareMs;
      const sourceMs = median(sources.get(bundle.name) ?? []) - bareMs;
      const drivers = DRIVERS.filter((driver) => bundle.packages.includes(driver));
      const met = bundle.bytes <= MAX_BUNDLE_BYTES && bundleMs <= MAX_INIT_MS;
      lines.push(
        `| ${bundle.name} | ${(bundle.bytes / 1024).toFixed(0)} KiB | ${bundleMs.toFixed(0)} ms | ${sourceMs.toFixed(0)} ms | ${drivers.join(", ") || "none"} | ${met ? "met" : "**missed**"} |`,
      );
      numbers[`${bundle.name}.bytes`] = bundle.bytes;
      numbers[`${bundle.name}.initAboveBareMs`] = bundleMs;
      numbers[`${bundle.name}.sourcesAboveBareMs`] = sourceMs;
    }
    return {
      name: "Function cold start",
      description: `Each function bundle (npm run build) loaded in a fresh Node process, ${ROUNDS} rounds, medians; bare \`node -e 0\` and the unbundled sources through tsx run in the same rounds. Targets: bundle ≤ 1.5 MB, load and init ≤ ${MAX_INIT_MS} ms above bare Node.`,
      lines,
      numbers,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * Cold start of each function bundle: its size, and the time a fresh Node
 * process takes to load it and build the handler (FC's cold start, minus
 * the platform's own work), beside a bare `node -e 0` and beside loading
 * the unbundled TypeScript sources (through tsx, the only way they run),
 * measured in the same rounds so load from other work hits all alike.
 * Every sample is a new process that checks it got a handler function.
 * Targets: each bundle at most 1.5 MB, load and init at most 150 ms above
 * bare Node.
 *
 * Drivers load only when a function's rotator needs them: a bundle lies in
 * a temporary folder with no node_modules in reach, so it can load only
 * the drivers it carries (listed per bundle), and a separate, untimed
 * process per function lists the drivers its sources' init actually loads.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunctions, REPO_ROOT } from "../scripts/build/bundle-functions.ts";
import { MAX_BUNDLE_BYTES } from "../scripts/build/bundle-size-limit.ts";
import type { BenchResult } from "./bench-result.ts";

const ROUNDS = 11;
const MAX_INIT_MS = 150;
const DRIVERS = ["mysql2", "pg", "ssh2"];

/** Loads a bundle as FC's runtime does (require of index.js); fails without a handler. */
function bundleLoader(file: string): string[] {
  return [
    "-e",
    `if (typeof require(${JSON.stringify(file)}).handler !== "function") process.exit(3)`,
  ];
}

/** Loads a function's sources through tsx; fails without a handler. */
function sourcesLoader(entry: string, after = ""): string[] {
  return [
    "--conditions=source",
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    `const { handler } = await import(${JSON.stringify(entry)});
if (typeof handler !== "function") process.exit(3);
${after}`,
  ];
}

/** Wall time of one fresh process running `args`, in ms. */
function processMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The drivers a function's sources load while building the handler (not timed). */
function driversLoadedAtInit(entry: string): string[] {
  const report = `const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache);
const drivers = ${JSON.stringify(DRIVERS)}.filter((driver) => loaded.some((path) => path.includes("/node_modules/" + driver + "/")));
process.stdout.write(JSON.stringify(drivers));`;
  const result = spawnSync(process.execPath, sourcesLoader(entry, report), {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`loading ${entry} exited with ${result.status}`);
  return JSON.parse(result.stdout) as string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function push(samples: Map<string, number[]>, name: string, value: number): void {
  samples.set(name, [...(samples.get(name) ?? []), value]);
}

export default async function run(): Promise<BenchResult> {
  const outDir = await mkdtemp(join(tmpdir(), "rotor-cold-start-"));
  try {
    const bundles = await bundleFunctions({ outDir });
    const entryOf = (name: string) => join(REPO_ROOT, "functions", name, "index.ts");
    const bare: number[] = [];
    const bundled = new Map<string, number[]>();
    const sources = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const bundle of bundles) {
        bare.push(processMs(["-e", "0"]));
        push(bundled, bundle.name, processMs(bundleLoader(bundle.file)));
        push(sources, bundle.name, processMs(sourcesLoader(entryOf(bundle.name))));
      }
    }
    const bareMs = median(bare);
    const numbers: Record<string, number> = { bareNodeMs: bareMs };
    const lines = [
      `- bare \`node -e 0\`: ${bareMs.toFixed(0)} ms (median of ${bare.length})`,
      `- targets: bundle ≤ ${(MAX_BUNDLE_BYTES / 1024).toFixed(0)} KiB, load + init ≤ ${MAX_INIT_MS} ms above bare Node`,
      "",
      "| function | bundle | load + init above bare Node | sources (tsx) above bare Node | drivers in bundle | drivers loaded at init | targets |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const bundle of bundles) {
      const bundleMs = median(bundled.get(bundle.name) ?? []) - bareMs;
      const sourceMs = median(sources.get(bundle.name) ?? []) - bareMs;
      const carried = DRIVERS.filter((driver) => bundle.packages.includes(driver));
      const loaded = driversLoadedAtInit(entryOf(bundle.name));
      const sizeMet = bundle.bytes <= MAX_BUNDLE_BYTES;
      const timeMet = bundleMs <= MAX_INIT_MS;
      const verdict =
        sizeMet && timeMet
          ? "met"
          : `**missed**: ${[!sizeMet && "size", !timeMet && "time"].filter(Boolean).join(", ")}`;
      const margin = MAX_INIT_MS - bundleMs;
      const marginText =
        margin >= 0 ? `${margin.toFixed(0)} ms to spare` : `${(-margin).toFixed(0)} ms over`;
      lines.push(
        `| ${bundle.name} | ${(bundle.bytes / 1024).toFixed(0)} KiB | ${bundleMs.toFixed(0)} ms (${marginText}) | ${sourceMs.toFixed(0)} ms | ${carried.join(", ") || "none"} | ${loaded.join(", ") || "none"} | ${verdict} |`,
      );
      numbers[`${bundle.name}.bytes`] = bundle.bytes;
      numbers[`${bundle.name}.initAboveBareMs`] = bundleMs;
      numbers[`${bundle.name}.sourcesAboveBareMs`] = sourceMs;
    }
    return {
      name: "Function cold start",
      description: `Each function bundle (npm run build) loaded in a fresh Node process that builds the handler, ${ROUNDS} rounds, medians; bare \`node -e 0\` and the unbundled sources through tsx run in the same rounds. "Drivers loaded at init" comes from one more, untimed process per function loading its sources. Targets: bundle ≤ 1.5 MB, load and init ≤ ${MAX_INIT_MS} ms above bare Node.`,
      lines,
      numbers,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

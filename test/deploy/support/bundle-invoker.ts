/**
 * Runs a built function bundle the way FC's nodejs20 runtime does: a fresh
 * Node process requires the bundle's index.js (CommonJS) and calls
 * handler(event, context), with no sources or node_modules in reach (the
 * bundles lie in a temporary folder outside the repository) and no
 * environment beyond PATH and what the test passes.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FunctionBundle } from "../../../scripts/build/bundle-functions.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/embedded.ts";

const run = promisify(execFile);

/**
 * Runs in the child: loads the bundle as FC's runtime would (require of
 * index.js), calls handler(event, context) and prints the result as JSON
 * on the last line (the handler's own log lines come before it).
 */
const INVOKER = `
const [bundle, event, context] = process.argv.slice(2);
const { handler } = require(bundle);
if (typeof handler !== "function") throw new Error("no handler export");
if (event === undefined) { process.stdout.write("\\n" + JSON.stringify({ loaded: true })); return; }
Promise.resolve(handler(Buffer.from(event), JSON.parse(context))).then(
  (result) => process.stdout.write("\\n" + JSON.stringify({ result })),
  (error) => { process.stdout.write("\\n" + JSON.stringify({ error: String(error && error.message) })); process.exitCode = 1; },
);
`;

export interface BundleOutcome {
  /** Set when the bundle was only loaded (no event). */
  loaded?: true;
  /** What the handler resolved with. */
  result?: unknown;
  /** The message the handler rejected with. */
  error?: string;
  /** Everything the handler logged. */
  logs: string;
}

export interface BundleInvoker {
  /** Loads the bundle; with an event and context, invokes the handler once. */
  invoke(
    bundle: FunctionBundle,
    args?: [event: string, context: string] | [],
    env?: Record<string, string>,
  ): Promise<BundleOutcome>;
  /** Invokes the bundle as FC would with `event`, its SDK clients pointed at `cloud`. */
  invokeOn(
    cloud: RunningLocalCloud,
    bundle: FunctionBundle,
    event: unknown,
  ): Promise<BundleOutcome>;
}

/** Writes the child's script into `outDir` (the bundles' folder). */
export async function bundleInvoker(outDir: string): Promise<BundleInvoker> {
  const script = join(outDir, "invoke.cjs");
  await writeFile(script, INVOKER);

  const invoke: BundleInvoker["invoke"] = async (bundle, args = [], env = {}) => {
    const { stdout } = await run(process.execPath, [script, bundle.file, ...args], {
      cwd: outDir,
      env: { PATH: process.env.PATH, ...env },
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`bundle ${bundle.name} failed: ${error.stdout ?? ""} ${error.stderr ?? ""}`);
    });
    const lines = stdout.trimEnd().split("\n");
    const outcome = JSON.parse(lines.at(-1) ?? "") as Omit<BundleOutcome, "logs">;
    return { ...outcome, logs: lines.slice(0, -1).join("\n") };
  };

  return {
    invoke,
    invokeOn(cloud, bundle, event) {
      // The context FC hands a function: the role's keys, the function's own settings.
      const context = {
        requestId: randomUUID(),
        credentials: cloud.credentials,
        function: { name: bundle.name, handler: "index.handler", memory: 256, timeout: 120 },
        region: cloud.region,
        accountId: cloud.accountId,
      };
      return invoke(bundle, [JSON.stringify(event), JSON.stringify(context)], {
        ROTOR_ENDPOINT: cloud.endpoint,
      });
    },
  };
}

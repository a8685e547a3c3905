/**
 * The local cloud as users run it: `rotor local-cloud` (src/cli/bin/rotor.mjs) in a
 * child process, so tests can SIGKILL it mid-write and start it again on
 * the same state folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROTOR_BIN = resolve(import.meta.dirname, "../../../src/cli/bin/rotor.mjs");
const STARTUP_TIMEOUT_MS = 60_000;

export interface CliCloud {
  child: ChildProcess;
  endpoint: string;
  port: number;
  /** What the CLI printed on stdout before it was ready, line by line. */
  startupLines: string[];
  /** Everything the CLI printed on stdout and stderr so far (its functions' log lines too). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `rotor local-cloud --port 0 --state <stateDir>` and waits for its
 * credentials line. `extraEnv` adds variables to the child's environment;
 * `rotorBin` is the command to run (default: the repository's, on its sources).
 */
export async function startCliCloud(
  stateDir: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  rotorBin = ROTOR_BIN,
): Promise<CliCloud> {
  const env = { ...process.env, ...extraEnv };
  // The cloud must keep its own generated key in the state folder.
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const child = spawn(
    process.execPath,
    [rotorBin, "local-cloud", "--port", "0", "--state", stateDir, ...extraArgs],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  let stderr = "";
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    output += chunk.toString("utf8");
  });
  const startupLines: string[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on("line", (line) => {
    output += `${line}\n`;
  });
  const ready = new Promise<void>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`local cloud did not start within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    lines.on("line", (line) => {
      startupLines.push(line);
      if (line.startsWith("credentials: ")) {
        clearTimeout(timer);
        done();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`local cloud exited with ${code} before it was ready: ${stderr}`));
    });
  });
  await ready;
  const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(startupLines[0] ?? "");
  if (!match) throw new Error(`unexpected first line: ${startupLines[0]}`);
  return {
    child,
    endpoint: match[1] as string,
    port: Number(match[2]),
    startupLines,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The root AccessKey a CLI cloud generated into its state folder. */
export async function readAccount(
  stateDir: string,
): Promise<{ accountId: string; accessKeyId: string; accessKeySecret: string }> {
  return JSON.parse(await readFile(join(stateDir, "account.json"), "utf8"));
}

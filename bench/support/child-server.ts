/**
 * Starts a server in a child process and waits for the line that names its
 * port, so a benchmark's client and server never share one event loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Runs `node <args>` and resolves once a stdout line matches
 * `listening on http://127.0.0.1:PORT`.
 */
export async function startChildServer(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`${args.join(" ")} did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${args.join(" ")} exited before it was ready`));
    });
  });
  return {
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

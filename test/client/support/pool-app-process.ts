/**
 * Runs test/client/support/readme-pool-app.ts (an application written like
 * the README's pool example) in a child process and talks to it over IPC.
 * In a child, an unhandled 'error' event does what it does to an
 * application: it ends the process, and every request still waiting then
 * fails with the way the process ended.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

export type AppCommand =
  | { name: "openIdle"; count: number }
  | { name: "hold" }
  | { name: "startLongQuery" }
  | { name: "longQueryOutcome" }
  | { name: "whoAmI" }
  | { name: "whoAmIOnHeld" }
  | { name: "allSessionsEnded" }
  | { name: "end" };

export type AppReply =
  | { id: number; result: unknown }
  | { id: number; error: { code?: string | undefined; message: string } };

/** A request's failure inside the application (its error's code and message). */
export class AppRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "AppRequestError";
  }
}

export interface PoolAppProcess {
  request(command: AppCommand): Promise<unknown>;
  /** How the process ended (waits for it). */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Whether stderr reported an unhandled 'error' event. */
  diedOfUnhandledError(): boolean;
  kill(): void;
}

const APP = fileURLToPath(new URL("./readme-pool-app.ts", import.meta.url));

export function startPoolApp(options: {
  engine: "mysql" | "postgres";
  secretName: string;
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
}): PoolAppProcess {
  const child: ChildProcess = fork(APP, [], {
    execArgv: ["--conditions=source", "--import", "tsx"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: {
      ...process.env,
      APP_ENGINE: options.engine,
      APP_SECRET_NAME: options.secretName,
      ROTOR_ENDPOINT: options.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: options.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: options.credentials.accessKeySecret,
    },
  });
  // Kept in memory, never printed: a driver's error dump may hold connection settings.
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  child.on("message", (reply: AppReply) => {
    const request = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (request === undefined) return;
    if ("error" in reply)
      request.reject(new AppRequestError(reply.error.message, reply.error.code));
    else request.resolve(reply.result);
  });
  const diedOfUnhandledError = () => /Unhandled 'error' event|Emitted 'error' event/.test(stderr);
  /** Why the process ended, once it has. */
  let endedBy: string | undefined;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      endedBy = diedOfUnhandledError()
        ? "an unhandled 'error' event"
        : `exit code ${code}, signal ${signal}`;
      for (const request of waiting.values()) {
        request.reject(new Error(`the application process ended (${endedBy})`));
      }
      waiting.clear();
      resolve({ code, signal });
    });
  });
  return {
    request(command) {
      if (endedBy !== undefined) {
        return Promise.reject(new Error(`the application process ended (${endedBy})`));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // A failed send means the process is ending: its exit rejects the request.
        child.send({ id, command }, () => undefined);
      });
    },
    exited,
    diedOfUnhandledError,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

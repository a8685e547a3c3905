/**
 * The local cloud's own SSH client: one login to an instance as its
 * privileged account, one command run with `sh -c`, its stdin given and
 * closed, its output and how it ended collected, killed at a timeout.
 *
 * Written on ssh2 alone, apart from the product's SSH code: tests check the
 * product against the local cloud, and a bug the two shared would pass
 * unseen in both.
 */
import { createHash } from "node:crypto";
import type ssh2 from "ssh2";
import type { Client, ClientChannel } from "ssh2";
import type { LocalEcsInstance } from "./local-ecs-instance.ts";

export interface SshExecRequest {
  /** Run with `sh -c` on the instance. */
  command: string;
  /** Written to the command's stdin, which is then closed (empty when absent). */
  stdin?: string | Buffer | undefined;
  /** From the start of the command: then it and all it started are killed. */
  timeoutMs: number;
  /** Bound on connecting and logging in; default 20 s. */
  connectTimeoutMs?: number | undefined;
}

export interface SshExecResult {
  stdout: string;
  stderr: string;
  /** null when a signal ended the command or it was killed at its timeout. */
  exitCode: number | null;
  /** The signal that ended the command, as ssh2 names it ("SIGTERM"). */
  signal: string | null;
  /** The timeout struck: the command was killed; the output is what came before. */
  timedOut: boolean;
}

/**
 * - `bad-login`: the instance record cannot be used (nothing was sent);
 * - `host-key-mismatch`: the server is not the instance (no credential was sent);
 * - `login-refused`: the server said no to the credential;
 * - `unreachable`: no SSH session came about;
 * - `connection-lost`: the session ended while the command ran (it may or
 *   may not have taken effect).
 */
export type SshExecFailure =
  | "bad-login"
  | "host-key-mismatch"
  | "login-refused"
  | "unreachable"
  | "connection-lost";

/** Why a command could not be run. Messages name host, port and user, never a credential. */
export class SshExecError extends Error {
  override name = "SshExecError";
  constructor(
    readonly failure: SshExecFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
/** Each stream's output beyond this is dropped: commands here print little. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** How long a timed-out command has to be killed before the connection is dropped. */
const KILL_GRACE_MS = 5_000;

type Ssh2Module = typeof ssh2;
let loadingSsh2: Promise<Ssh2Module> | undefined;

/** ssh2 loads with the first command: most local clouds never reach an instance. */
function loadSsh2(): Promise<Ssh2Module> {
  // ssh2 is CommonJS: its exports object is the namespace's default.
  loadingSsh2 ??= import("ssh2").then((module) => module.default);
  return loadingSsh2;
}

/**
 * Logs in to `instance`, runs one command and logs out. Resolves however
 * the command ended (exit code, signal or timeout); rejects with an
 * SshExecError when it could not run or the connection was lost.
 */
export async function sshExec(
  instance: LocalEcsInstance,
  request: SshExecRequest,
): Promise<SshExecResult> {
  const client = await logIn(instance, request.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  try {
    return await execute(client, loginName(instance), request);
  } finally {
    client.end();
  }
}

function loginName(instance: LocalEcsInstance): string {
  return `${instance.userName}@${instance.host}:${instance.port}`;
}

function fingerprintOf(hostKey: Buffer): string {
  return `SHA256:${createHash("sha256").update(hostKey).digest("base64").replace(/=+$/, "")}`;
}

async function logIn(instance: LocalEcsInstance, timeoutMs: number): Promise<Client> {
  const login = loginName(instance);
  if ((instance.password === undefined) === (instance.privateKey === undefined)) {
    throw new SshExecError(
      "bad-login",
      `the instance login ${login} needs exactly one of password and privateKey`,
    );
  }
  if (!instance.hostKeyFingerprint?.startsWith("SHA256:")) {
    throw new SshExecError(
      "bad-login",
      `the instance login ${login} needs hostKeyFingerprint ("SHA256:…"): no other host key is trusted`,
    );
  }
  const { Client: SshClient, utils } = await loadSsh2();
  // ssh2's own message about a bad key may quote the key: say only that it is unreadable.
  if (instance.privateKey !== undefined && utils.parseKey(instance.privateKey) instanceof Error) {
    throw new SshExecError(
      "bad-login",
      `the private key of the instance login ${login} is not a readable SSH private key`,
    );
  }
  const method = instance.password === undefined ? "private key" : "password";

  return new Promise((resolve, reject) => {
    const client = new SshClient();
    let presentedKey: string | undefined;
    let settled = false;
    const fail = (failure: SshExecFailure, message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(new SshExecError(failure, message, { cause }));
    };
    client.once("ready", () => {
      settled = true;
      resolve(client);
    });
    client.on("error", (error: Error & { level?: string }) => {
      if (presentedKey !== undefined) {
        return fail(
          "host-key-mismatch",
          `${instance.host}:${instance.port} presented host key ${presentedKey}, not the instance's ${instance.hostKeyFingerprint}: no login attempted`,
        );
      }
      if (error.level === "client-authentication") {
        return fail("login-refused", `${login} refused the login with its ${method}`);
      }
      fail("unreachable", `no SSH session with ${login}: ${error.message}`, error);
    });
    client.once("close", () =>
      fail("unreachable", `${login} closed the connection before the login completed`),
    );
    client.connect({
      host: instance.host,
      port: instance.port,
      username: instance.userName,
      password: instance.password,
      privateKey: instance.privateKey,
      tryKeyboard: false,
      readyTimeout: timeoutMs,
      hostVerifier: (hostKey: Buffer) => {
        const fingerprint = fingerprintOf(hostKey);
        if (fingerprint === instance.hostKeyFingerprint) return true;
        presentedKey = fingerprint;
        return false;
      },
    });
  });
}

/** Collects one output stream up to MAX_OUTPUT_BYTES. */
function outputCollector() {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      if (size >= MAX_OUTPUT_BYTES) return;
      const kept = chunk.subarray(0, MAX_OUTPUT_BYTES - size);
      size += kept.length;
      chunks.push(kept);
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}

function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs the command behind a first line that prints the session id: sshd
 * starts each command as the leader of a new session, and everything it
 * starts stays in that session even when it takes a process group of its
 * own (as `timeout` does). Killing by session id at the timeout leaves
 * nothing of the command running.
 */
function execute(client: Client, login: string, request: SshExecRequest): Promise<SshExecResult> {
  return new Promise((resolve, reject) => {
    const stdout = outputCollector();
    const stderr = outputCollector();
    let firstLine = Buffer.alloc(0);
    let sessionId: number | undefined;
    let exitCode: number | null = null;
    let signal: string | null = null;
    let exited = false;
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (!exited && !timedOut) {
        return reject(
          new SshExecError(
            "connection-lost",
            `the connection to ${login} ended while the command ran (it may or may not have taken effect)`,
          ),
        );
      }
      resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode, signal, timedOut });
    };

    const timer = setTimeout(() => {
      timedOut = true;
      void killSession(client, sessionId).finally(() => {
        if (!settled) graceTimer = setTimeout(finish, KILL_GRACE_MS);
      });
    }, request.timeoutMs);

    client.once("close", finish);

    const onOutput = (chunk: Buffer) => {
      if (sessionId !== undefined) return stdout.add(chunk);
      firstLine = Buffer.concat([firstLine, chunk]);
      const end = firstLine.indexOf(0x0a);
      if (end < 0) return;
      const id = Number(firstLine.subarray(0, end).toString("latin1"));
      // Never 0 or 1: `kill -- -1` would reach every process the login may signal.
      sessionId = Number.isSafeInteger(id) && id > 1 ? id : 0;
      stdout.add(firstLine.subarray(end + 1));
    };

    const notStarted = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new SshExecError("connection-lost", `${login} would not start the command`, {
          cause: error,
        }),
      );
    };

    const onChannel = (error: Error | undefined, channel: ClientChannel) => {
      if (error) return notStarted(error);
      channel.on("data", onOutput);
      channel.stderr.on("data", (chunk: Buffer) => stderr.add(chunk));
      channel.once("exit", (code: number | null, signalName?: string) => {
        exited = true;
        exitCode = typeof code === "number" ? code : null;
        signal = signalName ?? null;
      });
      channel.once("close", finish);
      channel.end(request.stdin ?? "");
    };

    const wrapped = `printf '%s\\n' "$$"; exec sh -c ${shellQuoted(request.command)}`;
    try {
      client.exec(wrapped, onChannel);
    } catch (error) {
      // ssh2 throws at once ("Not connected") when the socket is already gone.
      notStarted(error as Error);
    }
  });
}

/**
 * Kills every process of the command's session, from a second channel on
 * the same connection. Without a session id (the command never got to print
 * it) there is nothing to aim at: dropping the connection is all that is left.
 */
function killSession(client: Client, sessionId: number | undefined): Promise<void> {
  if (!sessionId) return Promise.resolve();
  return new Promise((resolve) => {
    const giveUp = setTimeout(resolve, KILL_GRACE_MS);
    const done = () => {
      clearTimeout(giveUp);
      resolve();
    };
    try {
      client.exec(
        `pkill -KILL -s ${sessionId} || kill -KILL -- -${sessionId}`,
        (error, channel) => {
          if (error) return done();
          channel.resume();
          channel.stderr.resume();
          channel.once("close", done);
          channel.end();
        },
      );
    } catch {
      done();
    }
  });
}

/**
 * One SSH login to a server, with the host key checked against a pinned
 * fingerprint before any credential is sent, and remote commands that take
 * their secret input on stdin (never on a command line, where `ps` and shell
 * history would see it).
 */

import { ValidationError } from "@rotor/cloud-api";
import type { Client, ClientChannel } from "ssh2";
import { fingerprintOfHostKey } from "./ecs-host-key-fingerprint.ts";
import {
  EcsConnectionError,
  EcsHostKeyMismatchError,
  EcsLoginRefusedError,
  type SshEndpointName,
} from "./ecs-ssh-errors.ts";
import { loadSsh2 } from "./ssh2-driver.ts";

/** How to reach and log in to a server. Exactly one of password / privateKey. */
export interface SshLogin {
  host: string;
  port: number;
  /** `SHA256:…`; the session refuses any other host key. */
  hostKeyFingerprint: string;
  userName: string;
  password?: string | undefined;
  /** OpenSSH or PEM private key text. */
  privateKey?: string | undefined;
  /** Bound on connecting and logging in; default 20 s. */
  timeoutMs?: number | undefined;
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface SshSession {
  readonly endpoint: SshEndpointName;
  /** Runs `command` through the login shell, feeding `stdin` and closing it. */
  run(command: string, stdin?: string, timeoutMs?: number): Promise<CommandResult>;
  close(): void;
}

/** Output beyond this is dropped: the commands we run print a few lines. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Opens a session. Rejects with EcsHostKeyMismatchError (wrong server),
 * EcsLoginRefusedError (the server said no to this credential) or
 * EcsConnectionError (no answer).
 */
export async function openSshSession(login: SshLogin): Promise<SshSession> {
  const endpoint: SshEndpointName = {
    host: login.host,
    port: login.port,
    userName: login.userName,
  };
  const method = login.privateKey !== undefined ? "a private key" : "a password";
  if ((login.password === undefined) === (login.privateKey === undefined)) {
    throw new ValidationError("an SSH login needs exactly one of password or private key");
  }
  const ssh2 = await loadSsh2();
  if (login.privateKey !== undefined && ssh2.utils.parseKey(login.privateKey) instanceof Error) {
    // ssh2's own message may quote the key: say only that it is unreadable.
    throw new ValidationError(
      `the private key for ${login.userName} is not a readable SSH private key`,
    );
  }

  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let mismatch: EcsHostKeyMismatchError | undefined;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };

    client.once("ready", () => {
      settled = true;
      resolve(sessionOver(client, endpoint));
    });
    client.on("error", (error: Error & { level?: string }) => {
      if (mismatch) return fail(mismatch);
      if (error.level === "client-authentication")
        return fail(new EcsLoginRefusedError(endpoint, method));
      fail(new EcsConnectionError(endpoint, error.message, error));
    });
    client.once("close", () =>
      fail(mismatch ?? new EcsConnectionError(endpoint, "connection closed")),
    );

    client.connect({
      host: login.host,
      port: login.port,
      username: login.userName,
      password: login.password,
      privateKey: login.privateKey,
      tryKeyboard: false,
      readyTimeout: login.timeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => {
        const actual = fingerprintOfHostKey(key);
        if (actual === login.hostKeyFingerprint) return true;
        mismatch = new EcsHostKeyMismatchError(endpoint, login.hostKeyFingerprint, actual);
        return false;
      },
    });
  });
}

function sessionOver(client: Client, endpoint: SshEndpointName): SshSession {
  // Once the connection is gone, a command's channel closes without an exit
  // status; that must read as a lost connection, not as a failed command.
  let connectionLost = false;
  client.on("close", () => {
    connectionLost = true;
  });
  client.on("error", () => {
    connectionLost = true;
  });
  return {
    endpoint,
    run(command, stdin, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const lost = (detail: string, cause?: unknown) =>
          reject(new EcsConnectionError(endpoint, detail, cause));
        if (connectionLost) return lost("the connection was lost before a command could start");
        const onChannel = (error: Error | undefined, channel: ClientChannel) => {
          if (error) return lost(`could not start a command: ${error.message}`, error);
          const stdout: Buffer[] = [];
          const stderr: Buffer[] = [];
          let size = 0;
          const keep = (into: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
          };
          const timer = setTimeout(() => {
            channel.close();
            lost(`a command did not finish within ${timeoutMs} ms`);
          }, timeoutMs);
          channel.on("data", keep(stdout));
          channel.stderr.on("data", keep(stderr));
          let exitCode: number | null = null;
          let exited = false;
          channel.once("exit", (code: number | null) => {
            exited = true;
            exitCode = typeof code === "number" ? code : null;
          });
          channel.once("close", () => {
            clearTimeout(timer);
            if (!exited && connectionLost) {
              return lost(
                "the connection was lost while a command ran (it may or may not have taken effect)",
              );
            }
            resolve({
              exitCode,
              stdout: Buffer.concat(stdout).toString("utf8"),
              stderr: Buffer.concat(stderr).toString("utf8"),
            });
          });
          channel.end(stdin ?? "");
        };
        try {
          client.exec(command, onChannel);
        } catch (error) {
          // ssh2 throws at once ("Not connected") when the socket is already gone.
          lost(`could not start a command: ${(error as Error).message}`, error);
        }
      });
    },
    close() {
      client.end();
    },
  };
}

/**
 * Logs in and out again: the test that a credential works. Resolves true
 * when accepted, false when refused; a wrong host key or no answer rejects.
 */
export async function canLogIn(login: SshLogin): Promise<boolean> {
  try {
    const session = await openSshSession(login);
    session.close();
    return true;
  } catch (error) {
    if (error instanceof EcsLoginRefusedError) return false;
    throw error;
  }
}

/** Opens a session, runs `work`, and always closes it. */
export async function withSshSession<T>(
  login: SshLogin,
  work: (session: SshSession) => Promise<T>,
): Promise<T> {
  const session = await openSshSession(login);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

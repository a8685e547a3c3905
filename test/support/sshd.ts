/**
 * A real OpenSSH server for tests: Debian's /usr/sbin/sshd, started in the
 * foreground on 127.0.0.1 and a free port, with its own config, host key and
 * pid file in a temporary folder, plus throwaway Linux users created with
 * useradd and removed with userdel when the server stops.
 *
 * Users are real accounts on this machine, so the harness needs root (CI runs
 * as root). Without sshd or root, `sshdAvailability()` says why; suites skip
 * locally and fail under CI=true.
 *
 * @example
 * const sshd = await startSshd();
 * const user = await sshd.createUser();
 * // ... log in to sshd.host:sshd.port as user.name with user.password
 * await sshd.stop();
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const SSHD = "/usr/sbin/sshd";
/** sshd refuses to start without its privilege separation folder. */
const PRIVILEGE_SEPARATION_DIR = "/run/sshd";

export type SshdAvailability = { available: true } | { available: false; reason: string };

/** Whether this machine can run the harness, and if not, why. */
export function sshdAvailability(): SshdAvailability {
  if (!existsSync(SSHD)) {
    return { available: false, reason: `${SSHD} is missing (apt-get install openssh-server)` };
  }
  if (process.getuid?.() !== 0) {
    return { available: false, reason: "the sshd harness creates Linux users and needs root" };
  }
  return { available: true };
}

/**
 * For a suite's `describe.skipIf(...)`: the reason to skip, or undefined to
 * run. Under CI=true a machine without sshd is a broken CI machine, so this
 * throws and the suite fails instead of passing silently.
 */
export function sshdSkipReason(): string | undefined {
  const availability = sshdAvailability();
  if (availability.available) return undefined;
  if (process.env.CI === "true")
    throw new Error(`CI=true but the sshd suite cannot run: ${availability.reason}`);
  console.warn(`skipping the sshd suite: ${availability.reason}`);
  return availability.reason;
}

/** A throwaway account on this machine, removed when the server stops. */
export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly home: string;
  readonly uid: number;
  readonly gid: number;
}

export interface CreateUserOptions {
  /**
   * A second account with uid 0: what a "privileged login" is on a real
   * server, without touching this machine's own root account.
   */
  privileged?: boolean;
}

export interface SshdServer {
  readonly host: string;
  readonly port: number;
  /** `SHA256:…` of the host key, as `ssh-keygen -l` prints it. */
  readonly hostKeyFingerprint: string;
  createUser(options?: CreateUserOptions): Promise<TestUser>;
  /**
   * Restarts sshd on the same port with a new host key, as a reinstalled
   * (or impersonated) server would present; returns the new fingerprint.
   */
  replaceHostKey(): Promise<string>;
  /** Stops sshd, removes every user it created and its folder. */
  stop(): Promise<void>;
}

/** Starts sshd; throws with sshd's own output when it cannot. */
export async function startSshd(): Promise<SshdServer> {
  const availability = sshdAvailability();
  if (!availability.available) throw new Error(`cannot start sshd: ${availability.reason}`);

  await mkdir(PRIVILEGE_SEPARATION_DIR, { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), "rotor-sshd-"));
  const hostKey = join(dir, "host_ed25519");
  let hostKeyFingerprint = await newHostKey(hostKey);

  // Another process may take the free port between our probe and sshd's
  // bind: try a few ports before giving up.
  let started: { child: ChildProcess; port: number } | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, "sshd_config"), sshdConfig({ dir, port, hostKey }));
    try {
      started = { child: await spawnSshd(join(dir, "sshd_config")), port };
    } catch (error) {
      lastError = error;
    }
  }
  if (!started) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }
  let { child } = started;
  const { port } = started;

  const users: string[] = [];
  return {
    host: "127.0.0.1",
    port,
    get hostKeyFingerprint() {
      return hostKeyFingerprint;
    },
    async replaceHostKey() {
      await stopChild(child);
      hostKeyFingerprint = await newHostKey(hostKey);
      child = await spawnSshd(join(dir, "sshd_config"));
      return hostKeyFingerprint;
    },
    async createUser(options = {}) {
      const name = `rtr_${randomBytes(5).toString("hex")}`;
      const password = `Init-${randomBytes(12).toString("base64url")}`;
      const args = ["-m", "-s", "/bin/sh"];
      // -o -u 0: a second name for uid 0, the way a spare admin login looks.
      if (options.privileged) args.push("-o", "-u", "0", "-g", "0", "-N");
      await withPasswdLock(() => run("useradd", [...args, name]));
      users.push(name);
      await setPassword(name, password);
      const [uid, gid, home] = await accountOf(name);
      return { name, password, home, uid, gid };
    },
    async stop() {
      await stopChild(child);
      for (const name of users.splice(0)) {
        // -f: a uid 0 account always "has running processes" (root's).
        await withPasswdLock(() => run("userdel", ["-f", "-r", name])).catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sshdConfig(options: { dir: string; port: number; hostKey: string }): string {
  return [
    "ListenAddress 127.0.0.1",
    `Port ${options.port}`,
    `HostKey ${options.hostKey}`,
    `PidFile ${join(options.dir, "sshd.pid")}`,
    // PAM, as Debian ships it: passwords set by chpasswd authenticate through
    // pam_unix exactly as on a real server.
    "UsePAM yes",
    "PasswordAuthentication yes",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "AuthorizedKeysFile .ssh/authorized_keys",
    // StrictModes refuses keys in files with loose modes: tests see it if a
    // rotation leaves authorized_keys writable by others.
    "StrictModes yes",
    // Only the throwaway uid 0 accounts can use this; the machine's own root
    // has no password login and no key for this server.
    "PermitRootLogin yes",
    "MaxStartups 50:30:100",
    "MaxAuthTries 3",
    "LoginGraceTime 60",
    "PrintMotd no",
    "",
  ].join("\n");
}

/** Starts `sshd -D -e` and resolves once it listens. */
function spawnSshd(configPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ["-D", "-e", "-f", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Server listening on")) {
        // Keep draining stderr so sshd never blocks on a full pipe.
        child.stderr?.off("data", onData);
        child.stderr?.resume();
        child.off("exit", onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null) => {
      reject(new Error(`sshd exited with ${code} before listening:\n${output}`));
    };
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", reject);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** (Re)generates the host key at `path`; returns its fingerprint. */
async function newHostKey(path: string): Promise<string> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rotor-test-host", "-f", path]);
  return fingerprintOf(`${path}.pub`);
}

async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath]);
  const fingerprint = stdout.split(" ")[1];
  if (!fingerprint?.startsWith("SHA256:"))
    throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fingerprint;
}

/** Sets a test user's password the way an administrator would. */
export async function setPassword(name: string, password: string): Promise<void> {
  await withPasswdLock(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = execFile("chpasswd", (error) => (error ? reject(error) : resolve()));
        child.stdin?.end(`${name}:${password}\n`);
      }),
  );
}

async function accountOf(name: string): Promise<[number, number, string]> {
  const passwd = await readFile("/etc/passwd", "utf8");
  const line = passwd.split("\n").find((l) => l.startsWith(`${name}:`));
  const fields = line?.split(":");
  if (!fields || fields.length < 7) throw new Error(`user ${name} missing from /etc/passwd`);
  return [Number(fields[2]), Number(fields[3]), fields[5] ?? ""];
}

/**
 * useradd, userdel and chpasswd lock /etc/passwd and give up at once when
 * another process holds it; suites run in parallel, so wait and retry.
 */
async function withPasswdLock<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const text = String((error as { stderr?: unknown }).stderr ?? error);
      if (attempt >= 20 || !/lock|try again/i.test(text)) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

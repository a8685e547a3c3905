/**
 * Every Rotor package as `npm pack` makes it: built first (`npm run
 * build:packages`), then one tarball per folder under src/.
 *
 * Two test files may pack at the same time (vitest runs files in parallel)
 * and both builds write the same dist/ folders, so a build holds a lock: a
 * folder made beside the repository's node_modules, which mkdir creates for
 * one process only. A lock older than a build can take is a crashed run's
 * and is taken over.
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";

const run = promisify(execFile);

const BUILD_LOCK = join(REPO_ROOT, "node_modules", ".rotor-build-packages.lock");
/** Longer than any build: a lock this old was left by a process that died. */
const STALE_LOCK_MS = 10 * 60 * 1000;
const LOCK_POLL_MS = 500;

export interface PackedTarball {
  name: string;
  version: string;
  /** The tarball's absolute path. */
  path: string;
  /** The files it holds, relative to the package's root. */
  files: string[];
}

/** Runs `work` while no other process builds the packages. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(BUILD_LOCK).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(BUILD_LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Builds every package and packs each into `destination` (which must exist). */
export async function packPackages(destination: string): Promise<PackedTarball[]> {
  return withBuildLock(async () => {
    await run("npm", ["run", "build:packages"], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const tarballs: PackedTarball[] = [];
    for (const entry of await readdir(join(REPO_ROOT, "src"), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", destination], {
        cwd: join(REPO_ROOT, "src", entry.name),
      });
      const [packed] = JSON.parse(stdout) as {
        name: string;
        version: string;
        filename: string;
        files: { path: string }[];
      }[];
      if (packed === undefined) throw new Error(`npm pack gave nothing for src/${entry.name}`);
      tarballs.push({
        name: packed.name,
        version: packed.version,
        path: join(destination, packed.filename),
        files: packed.files.map((file) => file.path).sort(),
      });
    }
    return tarballs;
  });
}

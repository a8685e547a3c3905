/**
 * One local cloud per state folder: each store appends to its log at the
 * end it knows, so two clouds writing one folder would overwrite each
 * other's frames. The folder's `lock` file names the process holding it; a
 * lock whose process is gone (killed with -9) is taken over.
 */
import { open, readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** Folders locked by clouds in this process (the pid alone cannot tell them apart). */
const lockedHere = new Set<string>();

/** Locks `stateDir`; resolves with the function that releases it. */
export async function lockStateFolder(stateDir: string): Promise<() => Promise<void>> {
  const folder = resolve(stateDir);
  const path = join(folder, "lock");
  if (lockedHere.has(folder)) {
    throw new Error(
      `the state folder ${folder} is in use by another local cloud in this process; close it first`,
    );
  }
  try {
    const handle = await open(path, "wx", 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new Error(
        `the state folder ${folder} is in use by process ${holder} (another rotor local-cloud?); stop it first`,
      );
    }
    await writeFile(path, `${process.pid}\n`, { mode: 0o600 });
  }
  lockedHere.add(folder);
  return async () => {
    lockedHere.delete(folder);
    await unlink(path).catch(() => {});
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

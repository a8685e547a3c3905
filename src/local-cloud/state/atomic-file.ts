/**
 * Crash-safe file replacement: write a temporary file, fsync it, rename it
 * over the target, fsync the folder. After a kill -9 at any point the target
 * holds either the old content or the new, never a torn mix, and once this
 * resolves the new content survives a power cut too.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** Suffix of temporary files; leftovers from a crash are removed on load. */
export const TEMP_SUFFIX = ".tmp";

export async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Makes a folder's entries (a file created, renamed or removed in it) durable. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

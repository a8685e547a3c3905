/**
 * The durable half of a RecordStore: one append-only file of encrypted
 * frames per store, `log-<generation>.rec`. A frame is a 4-byte length and
 * a sealed JSON array of `[key, record]` entries (`record` null: deleted);
 * replaying the frames in order rebuilds the store.
 *
 * Why a log rather than a file per record: a 100,000-secret state loads by
 * reading one file and decrypting a hundred frames instead of opening and
 * decrypting 100,000 files (tens of seconds), and a write costs one append
 * and one fdatasync instead of a temporary file, two fsyncs and a rename.
 *
 * - Group commit: writes that arrive while a frame is being written go
 *   into the next frame together, under one fdatasync.
 * - Acknowledged means durable: an entry is applied to memory (and its
 *   writer answered) only after its frame is on disk. A kill -9 can tear
 *   only the frame being written, which was never acknowledged: on load a
 *   torn last frame is cut off; a bad frame anywhere else is corruption and
 *   stops the load.
 * - Compaction: once the frames appended since the last compaction
 *   outweigh it, the live records are written to the next generation's
 *   file (a temporary file, fdatasync, rename, folder fsync) and the old
 *   file is removed. A crash at any point leaves a complete newest
 *   generation, which is what the next load reads; older ones are removed.
 * - Encryption at rest: every frame is sealed with AES-256-GCM
 *   (encryption.ts), bound to its store and file by associated data.
 *
 * State written by earlier versions (one `<sha256>.rec` file per record)
 * is read once and rewritten as a log.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { syncFolder, TEMP_SUFFIX } from "./atomic-file.ts";
import type { StateCipher } from "./encryption.ts";

/** A record's new value, or null when it was deleted. */
export type LogEntry<T> = [key: string, record: T | null];

export interface RecordLogOptions<T> {
  folder: string;
  cipher: StateCipher;
  /** Applies entries to memory, in order: on load, and after each frame is durable. */
  apply(entries: LogEntry<T>[]): void;
  /** Every live record, for compaction. Memory holds exactly what is durable. */
  live(): Iterable<[string, T]>;
  /** Appended bytes below which compaction is not worth it (default 4 MiB; tests lower it). */
  minCompactionBytes?: number | undefined;
}

const LOG_FILE = /^log-(\d{8})\.rec$/;
/** One file per record, as earlier versions wrote state. */
const LEGACY_FILE = /^[0-9a-f]{64}\.rec$/;
const LENGTH_BYTES = 4;
/** Entries per frame when compacting: about a megabyte of secrets. */
const ENTRIES_PER_COMPACTED_FRAME = 1000;
const MIN_COMPACTION_BYTES = 4 * 1024 * 1024;

function logFileName(generation: number): string {
  return `log-${String(generation).padStart(8, "0")}.rec`;
}

interface PendingAppend<T> {
  entries: LogEntry<T>[];
  resolve(): void;
  reject(error: unknown): void;
}

export class RecordLog<T> {
  private readonly pending: PendingAppend<T>[] = [];
  private draining: Promise<void> | undefined;
  /** Set when the file can no longer be appended to safely. */
  private broken: Error | undefined;
  private closed = false;
  /** Bytes of the file as of the last compaction (or load), and appended since. */
  private compactedBytes = 0;
  private appendedBytes = 0;

  private constructor(
    private readonly options: RecordLogOptions<T>,
    private handle: FileHandle,
    private generation: number,
    private size: number,
  ) {}

  /** Opens the store's log in `folder`, replaying it through `apply`. */
  static async open<T>(options: RecordLogOptions<T>): Promise<RecordLog<T>> {
    const { folder } = options;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const names = await readdir(folder);
    for (const name of names.filter((n) => n.endsWith(TEMP_SUFFIX))) {
      // A write that crashed before its rename: never acknowledged, so drop it.
      await unlink(join(folder, name)).catch(() => {});
    }
    const generations = names
      .map((name) => LOG_FILE.exec(name)?.[1])
      .filter((digits) => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const legacy = names.filter((name) => LEGACY_FILE.test(name));
    for (const name of legacy) {
      await replayLegacyFile(options, join(folder, name), name);
    }
    const newest = generations.at(-1);
    let generation: number;
    let replay = { size: 0, entries: 0, liveShare: 1 };
    if (newest === undefined) {
      generation = 1;
      await createEmptyFile(join(folder, logFileName(generation)));
      await syncFolder(folder);
    } else {
      generation = newest;
      replay = await replayLog(options, generation);
    }
    const handle = await open(join(folder, logFileName(generation)), "r+");
    const log = new RecordLog(options, handle, generation, replay.size);
    // What replay showed of the file's garbage decides when it is next compacted.
    log.compactedBytes = Math.round(replay.size * replay.liveShare);
    log.appendedBytes = replay.size - log.compactedBytes;
    for (const older of generations.filter((g) => g !== generation)) {
      // Superseded by a compaction that finished (its rename happened) before a crash.
      await unlink(join(folder, logFileName(older))).catch(() => {});
    }
    if (legacy.length > 0) {
      await log.compact();
      for (const name of legacy) await unlink(join(folder, name));
      await syncFolder(folder);
    }
    return log;
  }

  /** Appends entries; resolves once they are on disk and applied to memory. */
  append(entries: LogEntry<T>[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`the local cloud's state in ${this.options.folder} is closed`));
        return;
      }
      this.pending.push({ entries, resolve, reject });
      if (!this.draining) this.draining = this.drain();
    });
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    await this.handle.close();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = this.pending.splice(0);
      if (batch.length === 0) {
        this.draining = undefined;
        return;
      }
      const entries = batch.flatMap((append) => append.entries);
      try {
        await this.writeFrame(entries);
        this.options.apply(entries);
      } catch (error) {
        for (const append of batch) append.reject(error);
        continue;
      }
      for (const append of batch) append.resolve();
      const floor = this.options.minCompactionBytes ?? MIN_COMPACTION_BYTES;
      if (this.appendedBytes > Math.max(this.compactedBytes, floor)) {
        // A failed compaction leaves the current file in use; appends go on.
        await this.compact().catch(() => {
          this.compactedBytes = this.size;
          this.appendedBytes = 0;
        });
      }
    }
  }

  private async writeFrame(entries: LogEntry<T>[]): Promise<void> {
    if (this.broken) throw this.broken;
    const frame = this.seal(entries, logFileName(this.generation));
    const at = this.size;
    try {
      await writeAll(this.handle, frame, at);
      await this.handle.datasync();
    } catch (error) {
      // Cut the partial frame off, or no later frame could be read back.
      await this.handle.truncate(at).catch((truncateError: unknown) => {
        this.broken = new Error(
          `the local cloud's state in ${this.options.folder} could not be repaired after a failed write`,
          { cause: truncateError },
        );
      });
      throw error;
    }
    this.size += frame.length;
    this.appendedBytes += frame.length;
  }

  /** Rewrites the live records as the next generation and drops the current file. */
  private async compact(): Promise<void> {
    const { folder, cipher } = this.options;
    const next = this.generation + 1;
    const size = await writeGeneration(folder, cipher, next, [...this.options.live()]);
    // From its rename on, the next load reads the new file: appends must go there.
    const previous = { handle: this.handle, generation: this.generation };
    try {
      this.handle = await open(join(folder, logFileName(next)), "r+");
    } catch (error) {
      this.broken = new Error(`the local cloud's state in ${folder} could not be reopened`, {
        cause: error,
      });
      throw error;
    }
    this.generation = next;
    this.size = size;
    this.compactedBytes = size;
    this.appendedBytes = 0;
    await previous.handle.close().catch(() => {});
    await unlink(join(folder, logFileName(previous.generation))).catch(() => {});
    await syncFolder(folder);
  }

  private seal(entries: LogEntry<T>[], fileName: string): Buffer {
    return sealFrame(this.options.cipher, this.options.folder, fileName, entries);
  }
}

/**
 * Writes `entries` as the log file of `generation` in `folder`, crash-safely
 * (a temporary file, fdatasync, rename, folder fsync), and returns its size.
 * Compaction writes the next generation this way; a tool can seed a store
 * that has no log yet with generation 1.
 */
export async function writeGeneration<T>(
  folder: string,
  cipher: StateCipher,
  generation: number,
  entries: readonly LogEntry<T>[],
): Promise<number> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const fileName = logFileName(generation);
  const path = join(folder, fileName);
  const temp = `${path}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  const handle = await open(temp, "wx", 0o600);
  let size = 0;
  try {
    for (let start = 0; start < entries.length; start += ENTRIES_PER_COMPACTED_FRAME) {
      const frame = sealFrame(
        cipher,
        folder,
        fileName,
        entries.slice(start, start + ENTRIES_PER_COMPACTED_FRAME),
      );
      await writeAll(handle, frame, size);
      size += frame.length;
      // Let requests that only read be served between frames.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncFolder(folder);
  return size;
}

function sealFrame<T>(
  cipher: StateCipher,
  folder: string,
  fileName: string,
  entries: readonly LogEntry<T>[],
): Buffer {
  const sealed = cipher.encrypt(
    Buffer.from(JSON.stringify(entries)),
    associatedData(folder, fileName),
  );
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32LE(sealed.length, 0);
  return Buffer.concat([length, sealed]);
}

/** Binds a frame to its store's folder and file, so one moved elsewhere fails to decrypt. */
function associatedData(folder: string, fileName: string): string {
  return `${basename(folder)}/${fileName}`;
}

/**
 * Replays `log-<generation>.rec`; a torn last frame (a write cut short by a
 * crash, never acknowledged) is cut off the file.
 */
async function replayLog<T>(
  options: RecordLogOptions<T>,
  generation: number,
): Promise<{ size: number; entries: number; liveShare: number }> {
  const fileName = logFileName(generation);
  const path = join(options.folder, fileName);
  const bytes = await readFile(path);
  const keys = new Set<string>();
  let entries = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const hasLength = bytes.length - offset >= LENGTH_BYTES;
    const frameEnd = offset + LENGTH_BYTES + (hasLength ? bytes.readUInt32LE(offset) : 0);
    const complete = hasLength && frameEnd <= bytes.length;
    let frame: LogEntry<T>[] | undefined;
    if (complete) {
      try {
        const sealed = bytes.subarray(offset + LENGTH_BYTES, frameEnd);
        const text = options.cipher.decrypt(sealed, associatedData(options.folder, fileName));
        frame = JSON.parse(text.toString("utf8")) as LogEntry<T>[];
      } catch {
        frame = undefined;
      }
    }
    if (!frame) {
      // A write cut short ends the file early; after a power cut its blocks
      // may read as zeros. Anything else (a wrong master.key too) is refused.
      const torn = !complete || isAllZero(bytes, offset + LENGTH_BYTES);
      if (!torn) {
        throw new Error(
          `cannot read state file ${path}: the frame at byte ${offset} does not decrypt (corrupt, or another master.key)`,
        );
      }
      await cutOff(path, offset);
      return { size: offset, entries, liveShare: liveShare(keys.size, entries) };
    }
    options.apply(frame);
    for (const [key] of frame) keys.add(key);
    entries += frame.length;
    offset = frameEnd;
  }
  return { size: offset, entries, liveShare: liveShare(keys.size, entries) };
}

function liveShare(keys: number, entries: number): number {
  return entries === 0 ? 1 : keys / entries;
}

/** A record file as earlier versions wrote it: `{key, record}` sealed, bound to its name. */
async function replayLegacyFile<T>(
  options: RecordLogOptions<T>,
  path: string,
  name: string,
): Promise<void> {
  let parsed: { key: string; record: T };
  try {
    parsed = JSON.parse(options.cipher.decrypt(await readFile(path), name).toString("utf8"));
  } catch (error) {
    throw new Error(`cannot read state file ${path}: ${(error as Error).message}`);
  }
  options.apply([[parsed.key, parsed.record]]);
}

function isAllZero(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

async function cutOff(path: string, length: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(length);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(
      data,
      written,
      data.length - written,
      position + written,
    );
    written += bytesWritten;
  }
}

async function createEmptyFile(path: string): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  await handle.sync();
  await handle.close();
}

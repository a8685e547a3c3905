/**
 * A durable keyed store of JSON records, one encrypted file per record, for
 * every product of the local cloud (secrets, RAM users, …). Updates to one
 * key run one after another; an update is applied in memory only after its
 * file is safely on disk, so an acknowledged write is never lost and a
 * failed one changes nothing.
 *
 * With no folder it keeps records in memory only (fast tests, benchmarks).
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { removeFileDurably, TEMP_SUFFIX, writeFileAtomic } from "./atomic-file.ts";
import type { StateCipher } from "./encryption.ts";

/** What an update function returns: the new record, `undefined` to delete, or NO_CHANGE. */
export const NO_CHANGE: unique symbol = Symbol("no change");

export class RecordStore<T> {
  private readonly records = new Map<string, T>();
  private readonly queues = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly folder: string | undefined,
    private readonly cipher: StateCipher | undefined,
  ) {}

  /** Opens (and loads) a store in `folder`, or an in-memory one when folder is undefined. */
  static async open<T>(
    folder: string | undefined,
    cipher: StateCipher | undefined,
  ): Promise<RecordStore<T>> {
    const store = new RecordStore<T>(folder, cipher);
    if (folder !== undefined) await store.load(folder);
    return store;
  }

  get(key: string): T | undefined {
    return this.records.get(key);
  }

  values(): IterableIterator<T> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Runs `change` on the current record (a deep copy, so a throwing change
   * leaves nothing half-done) and stores what it returns. Updates of one key
   * are serialised; other keys proceed in parallel.
   */
  update<R>(
    key: string,
    change: (current: T | undefined) => { next: T | undefined | typeof NO_CHANGE; result: R },
  ): Promise<R> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      const current = this.records.get(key);
      const { next, result } = change(current === undefined ? undefined : structuredClone(current));
      if (next === NO_CHANGE) return result;
      await this.persist(key, next);
      if (next === undefined) this.records.delete(key);
      else this.records.set(key, next);
      return result;
    });
    const settled = run.catch(() => {});
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  private fileFor(key: string): string {
    // Keys (secret names) may hold `/` and be long: the file is named by hash.
    return join(this.folder ?? "", `${createHash("sha256").update(key).digest("hex")}.rec`);
  }

  private async persist(key: string, next: T | undefined): Promise<void> {
    if (this.folder === undefined || this.cipher === undefined) return;
    const file = this.fileFor(key);
    if (next === undefined) {
      await removeFileDurably(file);
      return;
    }
    const plaintext = Buffer.from(JSON.stringify({ key, record: next }));
    await writeFileAtomic(
      file,
      this.cipher.encrypt(plaintext, file.slice(file.lastIndexOf("/") + 1)),
    );
  }

  private async load(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    for (const name of await readdir(folder)) {
      const path = join(folder, name);
      if (name.endsWith(TEMP_SUFFIX)) {
        // A write that crashed before its rename: never acknowledged, so drop it.
        await unlink(path).catch(() => {});
        continue;
      }
      if (!name.endsWith(".rec") || this.cipher === undefined) continue;
      const sealed = await readFile(path);
      let parsed: { key: string; record: T };
      try {
        parsed = JSON.parse(this.cipher.decrypt(sealed, name).toString("utf8"));
      } catch (error) {
        throw new Error(`cannot read state file ${path}: ${(error as Error).message}`);
      }
      this.records.set(parsed.key, parsed.record);
    }
  }
}

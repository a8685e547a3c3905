/**
 * A durable keyed store of JSON records for every product of the local
 * cloud (secrets, RAM users, …): every record in memory, every change in an
 * encrypted append-only log on disk (record-log.ts). Updates to one key run
 * one after another; an update is applied in memory only once it is safely
 * on disk, so an acknowledged write is never lost and a failed one changes
 * nothing.
 *
 * With no folder it keeps records in memory only (fast tests, benchmarks).
 */
import type { StateCipher } from "./encryption.ts";
import { type LogEntry, RecordLog } from "./record-log.ts";

/** What an update function returns: the new record, `undefined` to delete, or NO_CHANGE. */
export const NO_CHANGE: unique symbol = Symbol("no change");

/** Told each change once it is durable (and in memory): an index kept beside the store. */
export type ChangeListener<T> = (
  key: string,
  record: T | undefined,
  previous: T | undefined,
) => void;

export class RecordStore<T> {
  private readonly records = new Map<string, T>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners: ChangeListener<T>[] = [];
  private log: RecordLog<T> | undefined;

  private constructor() {}

  /** Opens (and loads) a store in `folder`, or an in-memory one when folder is undefined. */
  static async open<T>(
    folder: string | undefined,
    cipher: StateCipher | undefined,
    tuning: { minCompactionBytes?: number } = {},
  ): Promise<RecordStore<T>> {
    const store = new RecordStore<T>();
    if (folder !== undefined && cipher !== undefined) {
      store.log = await RecordLog.open<T>({
        ...tuning,
        folder,
        cipher,
        apply: (entries) => store.apply(entries),
        live: () => store.records.entries(),
      });
    }
    return store;
  }

  get(key: string): T | undefined {
    return this.records.get(key);
  }

  values(): IterableIterator<T> {
    return this.records.values();
  }

  /** Calls `listener` with every change from now on (what is held now: `values()`). */
  subscribe(listener: ChangeListener<T>): void {
    this.listeners.push(listener);
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
      const entries: LogEntry<T>[] = [[key, next ?? null]];
      if (this.log) await this.log.append(entries);
      else this.apply(entries);
      return result;
    });
    const settled = run.catch(() => {});
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** Finishes pending writes and closes the log. */
  async close(): Promise<void> {
    await this.log?.close();
  }

  /** Memory follows the log: called on load and once each frame is durable. */
  private apply(entries: LogEntry<T>[]): void {
    for (const [key, record] of entries) {
      const previous = this.records.get(key);
      if (record === null) this.records.delete(key);
      else this.records.set(key, record);
      for (const listener of this.listeners) listener(key, record ?? undefined, previous);
    }
  }
}

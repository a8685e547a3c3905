/**
 * A read a session did ahead (readAheadForSync), handed to the first
 * syncAlternate for the same accounts and then forgotten: a call for other
 * accounts, or a second call, reads afresh.
 */
export class ReadAheadSlot<T> {
  private held: { key: string; result: Promise<T> } | undefined;

  /** Starts `read` for `key` and keeps it; settles when the read has. */
  async fill(key: string, read: () => Promise<T>): Promise<void> {
    const result = read();
    // Awaited here and again by take; until then not an unhandled rejection.
    result.catch(() => undefined);
    this.held = { key, result };
    await result;
  }

  /** The kept read when it is for `key` (once), else a fresh `read()`. */
  take(key: string, read: () => Promise<T>): Promise<T> {
    const held = this.held;
    this.held = undefined;
    return held?.key === key ? held.result : read();
  }
}

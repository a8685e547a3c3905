/**
 * A read a session did ahead (readAheadForSync), handed to the first
 * syncAlternate for the same accounts and then forgotten: a call for other
 * accounts, or a second call, reads afresh.
 */
import type { AlternateAccounts } from "./database-accounts.ts";

export class ReadAheadSlot<T> {
  private held: { key: string; result: Promise<T> } | undefined;

  /** Starts `read` for `accounts` and keeps it; settles when the read has. */
  async fill(accounts: AlternateAccounts, read: () => Promise<T>): Promise<void> {
    const result = read();
    // Awaited here and again by take; until then not an unhandled rejection.
    result.catch(() => undefined);
    this.held = { key: keyOf(accounts), result };
    await result;
  }

  /** The kept read when it is for `accounts` (once), else a fresh `read()`. */
  take(accounts: AlternateAccounts, read: () => Promise<T>): Promise<T> {
    const held = this.held;
    this.held = undefined;
    return held?.key === keyOf(accounts) ? held.result : read();
  }
}

/** One key per set of accounts; JSON because a name may hold any character. */
function keyOf({ current, alternate, base, ownerRole }: AlternateAccounts): string {
  return JSON.stringify([current, alternate, base, ownerRole ?? null]);
}

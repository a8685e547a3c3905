/**
 * Account descriptions of the database products (Redis/Tair, PolarDB):
 * the one thing about an account its server does not keep, so the local
 * cloud keeps it, durably when it has a state folder. Keyed by instance (or
 * cluster) and account name; CreateAccount writes or clears it, so a name
 * used again never inherits an old description.
 */
import type { RecordStore } from "./state/record-store.ts";

export interface AccountDescriptionRecord {
  description: string;
}

export class AccountDescriptions {
  constructor(private readonly store: RecordStore<AccountDescriptionRecord>) {}

  /** The description, or "" when there is none. */
  get(resourceId: string, accountName: string): string {
    return this.store.get(keyOf(resourceId, accountName))?.description ?? "";
  }

  /** Sets the description; undefined or "" removes it. */
  async set(
    resourceId: string,
    accountName: string,
    description: string | undefined,
  ): Promise<void> {
    await this.store.update(keyOf(resourceId, accountName), () => ({
      next: description ? { description } : undefined,
      result: undefined,
    }));
  }
}

function keyOf(resourceId: string, accountName: string): string {
  return `${resourceId}/${accountName}`;
}

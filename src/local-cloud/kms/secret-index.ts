/**
 * What ListSecrets needs to answer a page without reading every secret:
 * the secrets in listing order (creation time, then name), the names by
 * tag key, tag value and secret type, the secrets in a recovery window,
 * and the listings of recent calls (secret-listing.ts), fed by the store's
 * changes once they are durable.
 *
 * A page costs what it shows: its listing scans the account only as far
 * as the page reaches (or resumes the scan a previous page left), or
 * takes the few secrets a rare tag or type names from its set. TotalCount
 * needs no scan when the listing has no filter or one exact value of a tag
 * key, tag value or type (the set's size); other filters count by
 * finishing the scan once. A change to a secret is applied to every
 * listing kept, so a listing is never recomputed.
 */
import type { RecordStore } from "../state/record-store.ts";
import { isTagFilter, type ListFilter } from "./list-filters.ts";
import { comparePositions, lowerBound, type Position, SecretListing } from "./secret-listing.ts";
import type { SecretRecord } from "./secret-record.ts";

/** Listings kept for later pages and counts: the most recently used. */
const KEPT_LISTINGS = 16;
/** A set this much smaller than the account is sorted rather than scanned for. */
const FEW_CANDIDATES_SHARE = 16;

export interface ListingPage {
  /** The page's secrets, as they are now. */
  records: SecretRecord[];
  totalCount: number;
}

export class SecretIndex {
  private readonly ordered: Position[] = [];
  private readonly positions = new Map<string, Position>();
  private readonly sets = {
    TagKey: new Map<string, Set<string>>(),
    TagValue: new Map<string, Set<string>>(),
    SecretType: new Map<string, Set<string>>(),
  };
  /** Secrets in a recovery window → when it ends. */
  private readonly windows = new Map<string, number>();
  private readonly listings = new Map<string, SecretListing>();

  constructor(private readonly store: RecordStore<SecretRecord>) {
    for (const record of store.values()) {
      const position = { name: record.name, createTime: record.createTime, record };
      this.ordered.push(position);
      this.positions.set(record.name, position);
      this.addToSets(record);
      if (record.plannedDeleteTime !== undefined) {
        this.windows.set(record.name, record.plannedDeleteTime);
      }
    }
    this.ordered.sort(comparePositions);
    store.subscribe((name, record, previous) => this.change(name, record, previous));
  }

  /** Page `pageNumber` (1-based) of the live secrets matching every filter at `now`. */
  page(
    filters: readonly ListFilter[],
    now: number,
    pageNumber: number,
    pageSize: number,
  ): ListingPage {
    const expired = this.expired(now);
    const listing = this.listing(filters);
    const start = (pageNumber - 1) * pageSize;
    const records = listing
      .slice(start, start + pageSize, expired)
      .map((position) => position.record);
    return { records, totalCount: this.countOf(filters, expired) ?? listing.count(expired) };
  }

  /** How many live secrets the TagKey and TagValue entries alone match at `now`. */
  countTagMatches(filters: readonly ListFilter[], now: number): number {
    const tagFilters = filters.filter(isTagFilter);
    const expired = this.expired(now);
    return this.countOf(tagFilters, expired) ?? this.listing(tagFilters).count(expired);
  }

  /** The kept listing of these filters, or a new one. */
  private listing(filters: readonly ListFilter[]): SecretListing {
    const key = JSON.stringify(filters);
    let listing = this.listings.get(key);
    if (listing) {
      this.listings.delete(key);
    } else {
      listing = new SecretListing(filters, {
        ordered: () => this.ordered,
        fewCandidates: (listed) => this.fewCandidates(listed),
      });
    }
    // Most recently used last, so the least recently used goes first.
    this.listings.set(key, listing);
    if (this.listings.size > KEPT_LISTINGS) {
      this.listings.delete(this.listings.keys().next().value as string);
    }
    return listing;
  }

  /**
   * The count the index knows without a scan: no filter, or one filter with
   * one value of an indexed key. Undefined otherwise.
   */
  private countOf(
    filters: readonly ListFilter[],
    expired: ReadonlySet<string>,
  ): number | undefined {
    if (filters.length === 0) return this.store.size - expired.size;
    const [only] = filters;
    if (filters.length > 1 || !only || only.values.length !== 1) return undefined;
    if (only.key === "SecretName" || only.key === "Description") return undefined;
    const set = this.sets[only.key].get(only.values[0] as string);
    if (!set) return 0;
    let gone = 0;
    for (const name of expired) if (set.has(name)) gone += 1;
    return set.size - gone;
  }

  /** The secrets of the smallest indexed set a filter allows, when it is small. */
  private fewCandidates(filters: readonly ListFilter[]): Position[] | undefined {
    let fewest: Set<string>[] | undefined;
    let fewestBound = Number.POSITIVE_INFINITY;
    for (const filter of filters) {
      if (filter.key === "SecretName" || filter.key === "Description") continue;
      const byValue = this.sets[filter.key];
      const sets = filter.values.flatMap((value) => byValue.get(value) ?? []);
      // At most this many: a secret may carry several of the values.
      const bound = sets.reduce((sum, set) => sum + set.size, 0);
      if (bound < fewestBound) {
        fewest = sets;
        fewestBound = bound;
      }
    }
    if (!fewest || fewestBound * FEW_CANDIDATES_SHARE >= this.ordered.length) return undefined;
    const names = new Set<string>();
    for (const set of fewest) for (const name of set) names.add(name);
    return [...names].flatMap((name) => this.positions.get(name) ?? []);
  }

  /** Secrets whose recovery window has ended by `now`: KMS no longer has them. */
  private expired(now: number): Set<string> {
    const expired = new Set<string>();
    for (const [name, end] of this.windows) if (end <= now) expired.add(name);
    return expired;
  }

  private change(
    name: string,
    record: SecretRecord | undefined,
    previous: SecretRecord | undefined,
  ): void {
    const before = this.positions.get(name);
    let after: Position | undefined;
    if (record && before && before.createTime === record.createTime) {
      before.record = record;
      after = before;
    } else {
      if (before) this.ordered.splice(lowerBound(this.ordered, before), 1);
      this.positions.delete(name);
      if (record) {
        after = { name, createTime: record.createTime, record };
        this.ordered.splice(lowerBound(this.ordered, after), 0, after);
        this.positions.set(name, after);
      }
    }
    if (tagsOf(record) !== tagsOf(previous) || record?.type !== previous?.type) {
      if (previous) this.removeFromSets(previous);
      if (record) this.addToSets(record);
    }
    if (record?.plannedDeleteTime === undefined) this.windows.delete(name);
    else this.windows.set(name, record.plannedDeleteTime);
    for (const listing of this.listings.values()) listing.change(after, before);
  }

  private addToSets(record: SecretRecord): void {
    for (const tag of record.tags) {
      setFor(this.sets.TagKey, tag.key).add(record.name);
      setFor(this.sets.TagValue, tag.value).add(record.name);
    }
    setFor(this.sets.SecretType, record.type).add(record.name);
  }

  private removeFromSets(record: SecretRecord): void {
    const remove = (sets: Map<string, Set<string>>, value: string) => {
      const set = sets.get(value);
      set?.delete(record.name);
      if (set?.size === 0) sets.delete(value);
    };
    for (const tag of record.tags) {
      remove(this.sets.TagKey, tag.key);
      remove(this.sets.TagValue, tag.value);
    }
    remove(this.sets.SecretType, record.type);
  }
}

function setFor(sets: Map<string, Set<string>>, value: string): Set<string> {
  let set = sets.get(value);
  if (!set) {
    set = new Set();
    sets.set(value, set);
  }
  return set;
}

/** A comparable form of a record's tags. */
function tagsOf(record: SecretRecord | undefined): string {
  return record === undefined ? "" : JSON.stringify(record.tags);
}

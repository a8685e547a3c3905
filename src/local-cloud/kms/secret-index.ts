/**
 * What ListSecrets needs to answer a page without reading every secret:
 * the secrets in listing order (creation time, then name), sets of names
 * by tag key, tag value and secret type, and the last listings' results.
 *
 * A listing is computed once and cached; the pages of a scan slice it, and
 * only the page's own records are read (for their current times and
 * tags). A cached listing stays valid until a change that could alter it:
 * a secret created or deleted, a deletion scheduled or undone (any
 * listing), a tag changed (listings filtered by tag), a description
 * changed (listings filtered by description), or a matching secret's
 * recovery window ending. New versions and stage moves change none.
 *
 * Computing a listing uses the smallest of its tag or type sets when that
 * set is small, and otherwise one pass over the ordered secrets with set
 * lookups, so no listing sorts the whole account.
 */
import type { RecordStore } from "../state/record-store.ts";
import { isTagFilter, type ListFilter, matchesFilter } from "./list-filters.ts";
import type { SecretRecord } from "./secret-record.ts";

export interface Listing {
  /** Names of the matching secrets, in listing order. */
  names: readonly string[];
  /** How many live secrets the tag entries alone match (when asked for). */
  tagMatches: number | undefined;
}

interface Position {
  name: string;
  createTime: number;
}

/** What a cached listing was computed from. */
interface Generations {
  order: number;
  tags: number;
  descriptions: number;
}

interface CachedListing extends Listing, Generations {
  computedAt: number;
  /** The earliest recovery-window end among its secrets: from then it would shrink. */
  validUntil: number;
}

const CACHED_LISTINGS = 16;
/** Below a sixteenth of the account, collecting a set's secrets and sorting them beats a full pass. */
const SMALL_SET_SHARE = 16;

function compare(a: Position, b: Position): number {
  return a.createTime - b.createTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function isLive(record: SecretRecord, now: number): boolean {
  return record.plannedDeleteTime === undefined || record.plannedDeleteTime > now;
}

export class SecretIndex {
  private ordered: Position[] = [];
  private readonly sets = {
    TagKey: new Map<string, Set<string>>(),
    TagValue: new Map<string, Set<string>>(),
    SecretType: new Map<string, Set<string>>(),
  };
  private readonly generations: Generations = { order: 0, tags: 0, descriptions: 0 };
  private readonly cache = new Map<string, CachedListing>();

  constructor(private readonly store: RecordStore<SecretRecord>) {
    for (const record of store.values()) {
      this.ordered.push({ name: record.name, createTime: record.createTime });
      this.addToSets(record);
    }
    this.ordered.sort(compare);
    store.subscribe((name, record, previous) => this.change(name, record, previous));
  }

  /** The secrets matching every filter at `now`, in listing order. */
  list(
    filters: readonly ListFilter[],
    now: number,
    options: { countTagMatches: boolean },
  ): Listing {
    const key = JSON.stringify(filters);
    const cached = this.cache.get(key);
    if (
      cached &&
      this.isCurrent(cached, filters, now) &&
      (!options.countTagMatches || cached.tagMatches !== undefined)
    ) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const computed: CachedListing = {
      ...this.generations,
      ...this.compute(filters, now),
      tagMatches: options.countTagMatches ? this.countTagMatches(filters, now) : undefined,
      computedAt: now,
    };
    this.cache.delete(key);
    this.cache.set(key, computed);
    if (this.cache.size > CACHED_LISTINGS) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return computed;
  }

  private isCurrent(cached: CachedListing, filters: readonly ListFilter[], now: number): boolean {
    if (cached.order !== this.generations.order) return false;
    if (now < cached.computedAt || now >= cached.validUntil) return false;
    if (filters.some(isTagFilter) && cached.tags !== this.generations.tags) return false;
    const byDescription = filters.some((filter) => filter.key === "Description");
    return !byDescription || cached.descriptions === this.generations.descriptions;
  }

  private compute(
    filters: readonly ListFilter[],
    now: number,
  ): { names: string[]; validUntil: number } {
    const matched: SecretRecord[] = [];
    const smallest = this.smallestIndexedSet(filters);
    const accept = (record: SecretRecord | undefined) => {
      if (record && isLive(record, now) && filters.every((f) => this.matches(record, f))) {
        matched.push(record);
      }
    };
    if (smallest && smallest.size * SMALL_SET_SHARE < this.ordered.length) {
      for (const name of smallest) accept(this.store.get(name));
      matched.sort(compare);
    } else {
      for (const position of this.ordered) accept(this.store.get(position.name));
    }
    let validUntil = Number.POSITIVE_INFINITY;
    for (const record of matched) {
      if (record.plannedDeleteTime !== undefined && record.plannedDeleteTime < validUntil) {
        validUntil = record.plannedDeleteTime;
      }
    }
    return { names: matched.map((record) => record.name), validUntil };
  }

  /** Live secrets matching every TagKey and TagValue entry (the others aside). */
  private countTagMatches(filters: readonly ListFilter[], now: number): number {
    const tagFilters = filters.filter(isTagFilter);
    const smallest = this.smallestIndexedSet(tagFilters);
    if (!smallest) return 0;
    let count = 0;
    for (const name of smallest) {
      const record = this.store.get(name);
      if (record && isLive(record, now) && tagFilters.every((f) => this.matches(record, f))) {
        count += 1;
      }
    }
    return count;
  }

  /** A filter on an indexed key is a set lookup; the rest look at the record. */
  private matches(record: SecretRecord, filter: ListFilter): boolean {
    if (filter.key === "SecretName" || filter.key === "Description") {
      return matchesFilter(record, filter);
    }
    const sets = this.sets[filter.key];
    return filter.values.some((value) => sets.get(value)?.has(record.name) === true);
  }

  /**
   * The smallest union of names an indexed filter entry allows, or undefined
   * without one. May be the index's own set: read it, never change it.
   */
  private smallestIndexedSet(filters: readonly ListFilter[]): Set<string> | undefined {
    let smallest: Set<string> | undefined;
    for (const filter of filters) {
      if (filter.key === "SecretName" || filter.key === "Description") continue;
      const sets = this.sets[filter.key];
      let union: Set<string>;
      if (filter.values.length === 1) {
        union = sets.get(filter.values[0] as string) ?? new Set();
      } else {
        union = new Set();
        for (const value of filter.values) {
          for (const name of sets.get(value) ?? []) union.add(name);
          if (smallest && union.size >= smallest.size) break;
        }
      }
      if (!smallest || union.size < smallest.size) smallest = union;
    }
    return smallest;
  }

  private change(
    name: string,
    record: SecretRecord | undefined,
    previous: SecretRecord | undefined,
  ): void {
    const moved = record?.createTime !== previous?.createTime;
    if (previous && moved) this.removePosition({ name, createTime: previous.createTime });
    if (record && moved) this.insertPosition({ name, createTime: record.createTime });
    if (moved || record?.plannedDeleteTime !== previous?.plannedDeleteTime) {
      this.generations.order += 1;
    }
    if (tagsOf(record) !== tagsOf(previous) || record?.type !== previous?.type) {
      if (previous) this.removeFromSets(previous);
      if (record) this.addToSets(record);
      this.generations.tags += 1;
    }
    if (record?.description !== previous?.description) this.generations.descriptions += 1;
  }

  private insertPosition(position: Position): void {
    this.ordered.splice(this.lowerBound(position), 0, position);
  }

  private removePosition(position: Position): void {
    const at = this.lowerBound(position);
    if (this.ordered[at]?.name === position.name) this.ordered.splice(at, 1);
  }

  /** The first index whose position is not before `position`. */
  private lowerBound(position: Position): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.ordered[middle] as Position, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
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

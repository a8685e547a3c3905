/**
 * One ListSecrets listing (a set of filters) as the index keeps it: the
 * matching secrets found so far, in listing order, and how far the scan
 * of the account has come. A page scans only as far as it needs, and a
 * scan resumes where the last page stopped; a filter on a tag or type
 * that few secrets carry is answered from the index's set at once. A
 * change to the account is applied to the part already scanned (the scan
 * meets the rest as it is), so a listing is always exact and never
 * computed twice.
 *
 * Whether a secret is live (not past its recovery window) depends on the
 * time of each call, so a listing holds the secrets its filters match and
 * leaves out the expired ones when it is read.
 */
import { compileFilters, type ListFilter } from "./list-filters.ts";
import type { SecretRecord } from "./secret-record.ts";

/**
 * Where a secret sits in listing order, and its current record. The index
 * replaces `record` on each change; a secret whose creation time changes
 * (deleted and made again) gets a new position.
 */
export interface Position {
  readonly name: string;
  readonly createTime: number;
  record: SecretRecord;
}

type PositionKey = Pick<Position, "name" | "createTime">;

export function comparePositions(a: PositionKey, b: PositionKey): number {
  return a.createTime - b.createTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The first index of `positions` not before `key`. */
export function lowerBound(positions: readonly PositionKey[], key: PositionKey): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (comparePositions(positions[middle] as PositionKey, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** What a listing reads from the index. */
export interface ListingSource {
  /** Every secret, live or not, in listing order. */
  ordered(): readonly Position[];
  /**
   * The secrets an indexed filter (tag key, tag value, type) allows, in any
   * order, when they are few enough to beat a scan; undefined otherwise.
   */
  fewCandidates(filters: readonly ListFilter[]): Position[] | undefined;
}

export class SecretListing {
  private readonly matches: (record: SecretRecord) => boolean;
  /** Matching secrets among those scanned, in listing order. */
  private matched: Position[] = [];
  /** The last position scanned; undefined before the scan starts. */
  private scannedThrough: PositionKey | undefined;
  private complete = false;
  /** `matched` without the expired secrets of `signature`, while they stay expired. */
  private visible: { signature: string; positions: Position[] } | undefined;

  constructor(
    readonly filters: readonly ListFilter[],
    private readonly source: ListingSource,
  ) {
    this.matches = compileFilters(filters);
  }

  /** Live matches from `start` (0-based) up to `end`; `expired`: secrets past their window. */
  slice(start: number, end: number, expired: ReadonlySet<string>): Position[] {
    this.scanUntil(end + expired.size);
    return this.live(expired).slice(start, end);
  }

  /** How many live secrets match: scans the rest of the account. */
  count(expired: ReadonlySet<string>): number {
    this.scanUntil(Number.POSITIVE_INFINITY);
    return this.live(expired).length;
  }

  /**
   * Keeps the scanned part exact after a secret changed: `position` is where
   * it is now (undefined: deleted), `previous` where it was (undefined: new).
   */
  change(position: Position | undefined, previous: Position | undefined): void {
    let was = -1;
    if (previous && this.isScanned(previous)) {
      const at = lowerBound(this.matched, previous);
      if (this.matched[at] === previous) was = at;
    }
    const belongs =
      position !== undefined && this.isScanned(position) && this.matches(position.record);
    // Most changes (a new version, a stage moved) leave a secret where it was.
    if (was >= 0 && belongs && position === previous) return;
    if (was >= 0) this.matched.splice(was, 1);
    if (belongs) this.matched.splice(lowerBound(this.matched, position), 0, position);
    if (was >= 0 || belongs) this.visible = undefined;
  }

  private isScanned(key: PositionKey): boolean {
    return (
      this.complete ||
      (this.scannedThrough !== undefined && comparePositions(key, this.scannedThrough) <= 0)
    );
  }

  /** Scans on until `count` matches are found or the account ends. */
  private scanUntil(count: number): void {
    if (this.complete || this.matched.length >= count) return;
    this.visible = undefined;
    if (this.scannedThrough === undefined) {
      const candidates = this.source.fewCandidates(this.filters);
      if (candidates) {
        this.matched = candidates
          .filter((position) => this.matches(position.record))
          .sort(comparePositions);
        this.complete = true;
        return;
      }
    }
    const ordered = this.source.ordered();
    let at = this.scannedThrough === undefined ? 0 : lowerBound(ordered, this.scannedThrough);
    if (this.scannedThrough && ordered[at]?.name === this.scannedThrough.name) at += 1;
    for (; at < ordered.length && this.matched.length < count; at++) {
      const position = ordered[at] as Position;
      if (this.matches(position.record)) this.matched.push(position);
      this.scannedThrough = position;
    }
    if (at >= ordered.length) this.complete = true;
  }

  private live(expired: ReadonlySet<string>): Position[] {
    if (expired.size === 0) return this.matched;
    const signature = [...expired].sort().join("\n");
    if (this.visible?.signature !== signature) {
      this.visible = {
        signature,
        positions: this.matched.filter((position) => !expired.has(position.name)),
      };
    }
    return this.visible.positions;
  }
}

/**
 * ListSecrets' `Filters`: a JSON array of `{"Key","Values"}` entries, at
 * most 10, each with 1 to 10 values. Entries are AND-ed, the values of one
 * entry OR-ed. SecretName and Description match by substring, TagKey,
 * TagValue and SecretType exactly.
 */
import { cloudErrors } from "../api-error.ts";
import { optionalJson, type RawParams } from "../params.ts";
import type { SecretRecord } from "./secret-record.ts";

export const FILTER_KEYS = [
  "SecretName",
  "Description",
  "TagKey",
  "TagValue",
  "SecretType",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface ListFilter {
  key: FilterKey;
  values: readonly string[];
}

/** TagKey and TagValue entries: ListSecrets caps how many secrets they may match. */
export function isTagFilter(filter: ListFilter): boolean {
  return filter.key === "TagKey" || filter.key === "TagValue";
}

/**
 * One predicate for all of a listing's filters, built once: a scan of the
 * whole account calls it for every secret.
 */
export function compileFilters(filters: readonly ListFilter[]): (record: SecretRecord) => boolean {
  const tests = filters.map(compileFilter);
  return (record) => {
    for (const test of tests) if (!test(record)) return false;
    return true;
  };
}

function compileFilter(filter: ListFilter): (record: SecretRecord) => boolean {
  const values = new Set(filter.values);
  switch (filter.key) {
    case "SecretName":
      return (record) => filter.values.some((value) => record.name.includes(value));
    case "Description":
      return (record) => filter.values.some((value) => record.description.includes(value));
    case "TagKey":
      return (record) => {
        for (const tag of record.tags) if (values.has(tag.key)) return true;
        return false;
      };
    case "TagValue":
      return (record) => {
        for (const tag of record.tags) if (values.has(tag.value)) return true;
        return false;
      };
    case "SecretType":
      return (record) => values.has(record.type);
  }
}

export function parseFilters(params: RawParams): ListFilter[] {
  const filters = optionalJson(params, "Filters");
  if (filters === undefined) return [];
  const shape = 'expected a JSON array like [{"Key":"TagKey","Values":["rotor:rotator"]}]';
  if (!Array.isArray(filters) || filters.length > 10)
    throw cloudErrors.invalidParameter("Filters", shape);
  return filters.map((filter: unknown): ListFilter => {
    const entry = filter as { Key?: unknown; Values?: unknown };
    if (
      typeof entry !== "object" ||
      entry === null ||
      !FILTER_KEYS.includes(entry.Key as FilterKey) ||
      !Array.isArray(entry.Values) ||
      entry.Values.length === 0 ||
      entry.Values.length > 10 ||
      !entry.Values.every((value) => typeof value === "string")
    ) {
      throw cloudErrors.invalidParameter(
        "Filters",
        `${shape}; Key is one of ${FILTER_KEYS.join(", ")}`,
      );
    }
    return { key: entry.Key as FilterKey, values: entry.Values as string[] };
  });
}

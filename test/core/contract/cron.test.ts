import { describe, expect, it } from "vitest";
import {
  nextOccurrence,
  parseCron,
  previousOccurrence,
} from "../../../src/core/contract/schedule/cron.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function schedule(expression: string) {
  const parsed = parseCron(expression);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
}

describe("parseCron", () => {
  it.each([
    ["60 * * * *", "minute"],
    ["* 24 * * *", "hour"],
    ["* * 0 * *", "day-of-month"],
    ["* * * 13 *", "month"],
    ["* * * * 8", "day-of-week"],
    ["* * *", "expected 5 fields"],
    ["5-1 * * * *", "runs backwards"],
    ["*/0 * * * *", "bad step"],
    ["5 0 2 * * *", "seconds field must be 0"],
    ["0 2 * FOO *", "month"],
  ])("refuses %j with a message naming the problem (%s)", (expression, fragment) => {
    const parsed = parseCron(expression);
    expect("error" in parsed && parsed.error).toContain(fragment);
  });

  it("accepts FC's six-field form with seconds 0, names, lists, ranges and steps", () => {
    const parsed = schedule("0 0,30 9-17/4 * JAN-MAR MON-FRI");
    expect([...parsed.minutes]).toEqual([0, 30]);
    expect([...parsed.hours]).toEqual([9, 13, 17]);
    expect([...parsed.months]).toEqual([1, 2, 3]);
    expect([...parsed.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
  });

  it("treats 7 as Sunday", () => {
    expect([...schedule("0 0 * * 7").daysOfWeek]).toEqual([0]);
  });
});

describe("next and previous occurrences", () => {
  it.each([
    // expression, zone, from, expected next
    ["0 2 * * *", "UTC", "2024-01-01T01:59:00Z", "2024-01-01T02:00:00.000Z"],
    ["0 2 * * *", "UTC", "2024-01-01T02:00:00Z", "2024-01-02T02:00:00.000Z"],
    ["*/15 * * * *", "UTC", "2024-01-01T10:07:30Z", "2024-01-01T10:15:00.000Z"],
    ["0 2 * * SUN", "UTC", "2024-01-01T00:00:00Z", "2024-01-07T02:00:00.000Z"],
    ["0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["0 0 1 * MON", "UTC", "2024-01-02T00:00:00Z", "2024-01-08T00:00:00.000Z"],
    ["0 0 31 12 *", "UTC", "2024-12-31T00:00:00Z", "2025-12-31T00:00:00.000Z"],
    ["0 2 * * *", "Asia/Shanghai", "2024-01-01T00:00:00Z", "2024-01-01T18:00:00.000Z"],
    // 02:30 does not exist in New York on 2024-03-10 (clocks jump 02:00 → 03:00).
    ["30 2 * * *", "America/New_York", "2024-03-10T05:00:00Z", "2024-03-11T06:30:00.000Z"],
    // 01:30 happens twice on 2024-11-03: the first one (EDT) counts.
    ["30 1 * * *", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-03T05:30:00.000Z"],
  ])("%s in %s after %s is %s", (expression, zone, from, expected) => {
    expect(iso(nextOccurrence(schedule(expression), at(from), zone))).toBe(expected);
  });

  it.each([
    ["0 2 * * *", "UTC", "2024-01-01T02:00:00Z", "2024-01-01T02:00:00.000Z"],
    ["0 2 * * *", "UTC", "2024-01-01T01:59:59Z", "2023-12-31T02:00:00.000Z"],
    ["0 2 * * *", "Asia/Shanghai", "2024-01-01T17:59:00Z", "2023-12-31T18:00:00.000Z"],
    ["0 0 29 2 *", "UTC", "2027-01-01T00:00:00Z", "2024-02-29T00:00:00.000Z"],
  ])("%s in %s at or before %s is %s", (expression, zone, from, expected) => {
    expect(iso(previousOccurrence(schedule(expression), at(from), zone))).toBe(expected);
  });
});

/**
 * Cron schedules for rotation windows: `minute hour day-of-month month
 * day-of-week`, with `*`, lists, ranges, steps, month and weekday names, and
 * `?` as in FC's cron. A six-field expression (FC's, seconds first) is
 * accepted when its seconds field is 0. When both day fields are
 * restricted, a day matching either counts, as in classic cron.
 */
import { instantOf, wallClockAt } from "./time-zone.ts";

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAY_MS = 86_400_000;
/** How far to look for an occurrence: covers Feb 29 on a Monday and similar. */
const SEARCH_DAYS = 366 * 8;

export function parseCron(expression: string): CronSchedule | { error: string } {
  let fields = expression.trim().split(/\s+/);
  if (fields.length === 6) {
    if (fields[0] !== "0") return { error: "a six-field expression's seconds field must be 0" };
    fields = fields.slice(1);
  }
  if (fields.length !== 5) {
    return {
      error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    };
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  try {
    const daysOfWeek = parseField(dow, 0, 7, DAY_NAMES, "day-of-week");
    if (daysOfWeek.has(7)) {
      daysOfWeek.delete(7);
      daysOfWeek.add(0);
    }
    return {
      minutes: parseField(minute, 0, 59, [], "minute"),
      hours: parseField(hour, 0, 23, [], "hour"),
      daysOfMonth: parseField(dom, 1, 31, [], "day-of-month"),
      months: parseField(month, 1, 12, MONTH_NAMES, "month"),
      daysOfWeek,
      dayOfMonthRestricted: !isWildcard(dom),
      dayOfWeekRestricted: !isWildcard(dow),
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function isWildcard(field: string): boolean {
  return field === "*" || field === "?";
}

function parseField(
  field: string,
  min: number,
  max: number,
  names: string[],
  label: string,
): Set<number> {
  const values = new Set<number>();
  const value = (text: string): number => {
    const named = names.indexOf(text.toUpperCase());
    const number =
      named >= 0
        ? named + (label === "month" ? 1 : 0)
        : /^\d+$/.test(text)
          ? Number(text)
          : Number.NaN;
    if (!(number >= min && number <= max))
      throw new Error(`${label}: ${JSON.stringify(text)} is not between ${min} and ${max}`);
    return number;
  };
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`${label}: bad step in ${JSON.stringify(part)}`);
    let from: number;
    let to: number;
    if (range === "*" || range === "?") {
      from = min;
      to = max;
    } else if (range?.includes("-")) {
      const [a, b] = range.split("-");
      from = value(a ?? "");
      to = value(b ?? "");
      if (from > to) throw new Error(`${label}: range ${JSON.stringify(range)} runs backwards`);
    } else {
      from = value(range ?? "");
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

function dayMatches(schedule: CronSchedule, month: number, day: number, weekday: number): boolean {
  if (!schedule.months.has(month)) return false;
  const domHit = schedule.daysOfMonth.has(day);
  const dowHit = schedule.daysOfWeek.has(weekday);
  if (schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted) return domHit || dowHit;
  if (schedule.dayOfMonthRestricted) return domHit;
  if (schedule.dayOfWeekRestricted) return dowHit;
  return true;
}

/** The first scheduled minute strictly after `after`, or undefined if none within years. */
export function nextOccurrence(
  schedule: CronSchedule,
  after: number,
  zone: string,
): number | undefined {
  return search(schedule, after, zone, 1);
}

/** The last scheduled minute at or before `atOrBefore`. */
export function previousOccurrence(
  schedule: CronSchedule,
  atOrBefore: number,
  zone: string,
): number | undefined {
  return search(schedule, atOrBefore, zone, -1);
}

function search(
  schedule: CronSchedule,
  from: number,
  zone: string,
  direction: 1 | -1,
): number | undefined {
  const start = wallClockAt(from, zone);
  const startDay = Date.UTC(start.year, start.month - 1, start.day);
  const hours = [...schedule.hours].sort((a, b) => (a - b) * direction);
  const minutes = [...schedule.minutes].sort((a, b) => (a - b) * direction);
  for (let offset = 0; offset < SEARCH_DAYS; offset++) {
    const date = new Date(startDay + direction * offset * DAY_MS);
    const wallDate = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
    };
    if (!dayMatches(schedule, wallDate.month, wallDate.day, date.getUTCDay())) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const instant = instantOf({ ...wallDate, hour, minute }, zone);
        if (instant === undefined) continue;
        if (direction === 1 ? instant > from : instant <= from) return instant;
      }
    }
  }
  return undefined;
}

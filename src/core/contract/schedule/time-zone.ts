/**
 * Wall-clock time in an IANA time zone, with only what Node ships (Intl): a
 * cron schedule such as "02:00 in Asia/Shanghai" is matched against wall
 * clock fields, then turned back into an instant.
 */
export interface WallClock {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** True when Intl knows the zone (`UTC`, `Asia/Shanghai`, …). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

export function wallClockAt(epochMs: number, zone: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(epochMs)) fields[part.type] = part.value;
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    weekday: WEEKDAYS.indexOf(fields.weekday ?? ""),
  };
}

/**
 * The instant at which the zone's clock shows the given minute, or undefined
 * when that minute does not exist there (skipped by a daylight-saving jump).
 * For a minute that happens twice (clocks set back) the earlier one.
 */
export function instantOf(
  wall: { year: number; month: number; day: number; hour: number; minute: number },
  zone: string,
): number | undefined {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const candidates = new Set<number>();
  for (const probe of [asUtc - 86_400_000, asUtc, asUtc + 86_400_000]) {
    candidates.add(asUtc - offsetAt(probe, zone));
  }
  const matches = [...candidates]
    .filter((instant) => sameMinute(wallClockAt(instant, zone), wall))
    .sort((a, b) => a - b);
  return matches[0];
}

/** The zone's offset from UTC at an instant, in ms (wall time minus UTC). */
function offsetAt(epochMs: number, zone: string): number {
  const wall = wallClockAt(epochMs, zone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return wallAsUtc - Math.floor(epochMs / 60_000) * 60_000;
}

function sameMinute(
  a: { year: number; month: number; day: number; hour: number; minute: number },
  b: { year: number; month: number; day: number; hour: number; minute: number },
): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute
  );
}

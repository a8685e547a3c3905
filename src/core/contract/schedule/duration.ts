/**
 * Rotation intervals as users write them in tags: `30d`, `12h`, `90m`,
 * `604800s`. KMS's own managed rotation accepts 6 hours to 365 days; Rotor
 * holds generic secrets to the same bounds so a typo such as `6m` (minutes,
 * meant months) is refused instead of rotating every six minutes.
 */
export const MIN_INTERVAL_MS = 6 * 60 * 60 * 1000;
export const MAX_INTERVAL_MS = 365 * 24 * 60 * 60 * 1000;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Milliseconds, or an error message saying what is expected. */
export function parseInterval(text: string): number | { error: string } {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!match) {
    return {
      error: `expected a number and a unit (s, m, h, d, w), e.g. "30d" or "12h"; got ${JSON.stringify(text)}`,
    };
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < MIN_INTERVAL_MS)
    return { error: `must be at least 6h (KMS's own minimum), got ${text}` };
  if (ms > MAX_INTERVAL_MS) return { error: `must be at most 365d, got ${text}` };
  return ms;
}

/** A window length (`2h`, `30m`): any positive duration up to 7 days. */
export function parseWindow(text: string): number | { error: string } {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!match)
    return { error: `expected a duration such as "2h" or "30m"; got ${JSON.stringify(text)}` };
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0 || ms > 7 * UNIT_MS.d)
    return { error: `must be more than 0 and at most 7d, got ${text}` };
  return ms;
}

/** A duration as a tag or variable would write it: the largest unit that divides it (`1h`, `90m`, `7d`). */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A secret's rotation schedule, read from its tags:
 *
 * | tag               | example                        | meaning                                   |
 * | ----------------- | ------------------------------ | ----------------------------------------- |
 * | `rotor:enabled`   | `true` / `false`               | scheduled rotation on or off (default on) |
 * | `rotor:interval`  | `30d`, `12h`                   | at least this long between rotations      |
 * | `rotor:schedule`  | `0 2 * * SUN`, `CRON_TZ=Asia/Shanghai 0 2 * * *` | windows open at these minutes |
 * | `rotor:window`    | `2h`                           | how long a window stays open (default 1h) |
 * | `rotor:timezone`  | `Asia/Shanghai`                | zone of the schedule (default UTC)        |
 *
 * A bad value is reported with the tag's name, and only that secret is
 * skipped by the scheduler.
 */
import { z } from "zod";
import { type CronSchedule, parseCron } from "../schedule/cron.ts";
import { parseInterval, parseWindow } from "../schedule/duration.ts";
import { isValidTimeZone } from "../schedule/time-zone.ts";
import { parsedText, tagProblem } from "./tag-value.ts";

export const POLICY_TAGS = {
  enabled: "rotor:enabled",
  interval: "rotor:interval",
  schedule: "rotor:schedule",
  window: "rotor:window",
  timezone: "rotor:timezone",
} as const;

/** The function the scheduler invokes for a secret whose kind is not built in. */
export const FUNCTION_TAG = "rotor:function";

export const enabledTagSchema = z.enum(["true", "false"], {
  error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}`,
});
/** The interval in ms, 6h to 365d. */
export const intervalTagSchema = parsedText(parseInterval);
/** The cron expression, optionally after `CRON_TZ=<zone> `; the zone is checked with `rotor:timezone`. */
export const scheduleTagSchema = z.string().min(1, { error: "expected a cron expression" });
/** The window in ms after each scheduled time. */
export const windowTagSchema = parsedText(parseWindow);
/** An IANA time zone such as `Asia/Shanghai`. */
export const timezoneTagSchema = z.string().refine(isValidTimeZone, {
  error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}`,
});
/** A Function Compute function's name. */
export const functionTagSchema = z.string().min(1, { error: "expected a function name" });

export const DEFAULT_WINDOW_MS = 60 * 60 * 1000;

export interface RotationPolicy {
  enabled: boolean;
  intervalMs?: number | undefined;
  schedule?: { cron: CronSchedule; expression: string; zone: string; windowMs: number } | undefined;
}

export interface PolicyProblem {
  tag: string;
  message: string;
}

export type Tags = Readonly<Record<string, string>>;

/** The policy, or the first problem found (naming its tag). */
export function readRotationPolicy(tags: Tags): RotationPolicy | PolicyProblem {
  const enabledText = tags[POLICY_TAGS.enabled];
  if (enabledText !== undefined) {
    const enabled = enabledTagSchema.safeParse(enabledText);
    if (!enabled.success) return { tag: POLICY_TAGS.enabled, message: tagProblem(enabled.error) };
  }
  const policy: RotationPolicy = { enabled: enabledText !== "false" };

  const intervalText = tags[POLICY_TAGS.interval];
  if (intervalText !== undefined) {
    const interval = intervalTagSchema.safeParse(intervalText);
    if (!interval.success) {
      return { tag: POLICY_TAGS.interval, message: tagProblem(interval.error) };
    }
    policy.intervalMs = interval.data;
  }

  const scheduleText = tags[POLICY_TAGS.schedule];
  const windowText = tags[POLICY_TAGS.window];
  const zoneText = tags[POLICY_TAGS.timezone];
  if (scheduleText === undefined) {
    if (windowText !== undefined)
      return { tag: POLICY_TAGS.window, message: `needs ${POLICY_TAGS.schedule} beside it` };
    if (zoneText !== undefined)
      return { tag: POLICY_TAGS.timezone, message: `needs ${POLICY_TAGS.schedule} beside it` };
    return policy;
  }
  let expression = scheduleText.trim();
  let zone = zoneText ?? "UTC";
  const prefixed = /^CRON_TZ=(\S+)\s+(.*)$/.exec(expression);
  if (prefixed) {
    if (zoneText !== undefined && zoneText !== prefixed[1]) {
      return {
        tag: POLICY_TAGS.timezone,
        message: `disagrees with the CRON_TZ in ${POLICY_TAGS.schedule}`,
      };
    }
    zone = prefixed[1] as string;
    expression = prefixed[2] as string;
  }
  if (!isValidTimeZone(zone)) {
    return {
      tag: zoneText !== undefined ? POLICY_TAGS.timezone : POLICY_TAGS.schedule,
      message: `unknown time zone ${JSON.stringify(zone)}`,
    };
  }
  const cron = parseCron(expression);
  if ("error" in cron) return { tag: POLICY_TAGS.schedule, message: cron.error };
  let windowMs = DEFAULT_WINDOW_MS;
  if (windowText !== undefined) {
    const window = windowTagSchema.safeParse(windowText);
    if (!window.success) return { tag: POLICY_TAGS.window, message: tagProblem(window.error) };
    windowMs = window.data;
  }
  policy.schedule = { cron, expression, zone, windowMs };
  return policy;
}

export function isPolicyProblem(value: RotationPolicy | PolicyProblem): value is PolicyProblem {
  return "tag" in value;
}

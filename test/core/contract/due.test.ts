import { describe, expect, it } from "vitest";
import { dueVerdict } from "../../../src/core/contract/schedule/due.ts";
import {
  isPolicyProblem,
  readRotationPolicy,
} from "../../../src/core/contract/tags/rotation-policy.ts";

const at = (iso: string) => Date.parse(iso);

function policy(tags: Record<string, string>) {
  const read = readRotationPolicy(tags);
  if (isPolicyProblem(read)) throw new Error(`${read.tag}: ${read.message}`);
  return read;
}

describe("readRotationPolicy", () => {
  it.each([
    [{ "rotor:interval": "6m" }, "rotor:interval", "at least 6h"],
    [{ "rotor:interval": "5h" }, "rotor:interval", "at least 6h"],
    [{ "rotor:interval": "366d" }, "rotor:interval", "at most 365d"],
    [{ "rotor:interval": "monthly" }, "rotor:interval", "expected a number and a unit"],
    [{ "rotor:enabled": "yes" }, "rotor:enabled", "expected true or false"],
    [{ "rotor:schedule": "0 2 * *" }, "rotor:schedule", "expected 5 fields"],
    [
      { "rotor:schedule": "0 2 * * *", "rotor:timezone": "Mars/Olympus" },
      "rotor:timezone",
      "unknown time zone",
    ],
    [{ "rotor:schedule": "CRON_TZ=Nowhere/Land 0 2 * * *" }, "rotor:schedule", "unknown time zone"],
    [{ "rotor:window": "2h" }, "rotor:window", "needs rotor:schedule"],
    [{ "rotor:schedule": "0 2 * * *", "rotor:window": "0h" }, "rotor:window", "more than 0"],
    [
      { "rotor:schedule": "CRON_TZ=Asia/Shanghai 0 2 * * *", "rotor:timezone": "UTC" },
      "rotor:timezone",
      "disagrees",
    ],
  ])("refuses %j naming %s", (tags, tag, fragment) => {
    const read = readRotationPolicy(tags);
    expect(isPolicyProblem(read)).toBe(true);
    if (isPolicyProblem(read)) {
      expect(read.tag).toBe(tag);
      expect(read.message).toContain(fragment);
    }
  });

  it("reads the zone from a CRON_TZ prefix as FC's timer triggers write it", () => {
    expect(policy({ "rotor:schedule": "CRON_TZ=Asia/Shanghai 0 2 * * *" }).schedule?.zone).toBe(
      "Asia/Shanghai",
    );
  });
});

describe("dueVerdict", () => {
  const day = 86_400_000;
  const last = at("2024-01-01T00:00:00Z");

  it.each([
    // name, tags, last rotation, now, due, next rotation
    [
      "interval not yet",
      { "rotor:interval": "30d" },
      last,
      last + 29 * day,
      false,
      last + 30 * day,
    ],
    [
      "interval exactly elapsed",
      { "rotor:interval": "30d" },
      last,
      last + 30 * day,
      true,
      last + 30 * day,
    ],
    [
      "interval long overdue",
      { "rotor:interval": "12h" },
      last,
      last + 10 * day,
      true,
      last + 10 * day,
    ],
    [
      "disabled",
      { "rotor:interval": "12h", "rotor:enabled": "false" },
      last,
      last + 10 * day,
      false,
      undefined,
    ],
    ["no schedule at all", {}, last, last + 400 * day, false, undefined],
    [
      "window open, not rotated in it",
      { "rotor:schedule": "0 2 * * *" },
      at("2024-01-09T02:30:00Z"),
      at("2024-01-10T02:30:00Z"),
      true,
      at("2024-01-10T02:30:00Z"),
    ],
    [
      "window open, already rotated in it",
      { "rotor:schedule": "0 2 * * *" },
      at("2024-01-10T02:10:00Z"),
      at("2024-01-10T02:30:00Z"),
      false,
      at("2024-01-11T02:00:00Z"),
    ],
    [
      "window closes at its end (exclusive)",
      { "rotor:schedule": "0 2 * * *" },
      at("2024-01-09T02:30:00Z"),
      at("2024-01-10T03:00:00Z"),
      false,
      at("2024-01-11T02:00:00Z"),
    ],
    [
      "window opens at its start (inclusive)",
      { "rotor:schedule": "0 2 * * *", "rotor:window": "2h" },
      at("2024-01-09T02:30:00Z"),
      at("2024-01-10T02:00:00Z"),
      true,
      at("2024-01-10T02:00:00Z"),
    ],
    [
      "window in a time zone",
      { "rotor:schedule": "0 2 * * *", "rotor:timezone": "Asia/Shanghai" },
      at("2024-01-08T18:10:00Z"),
      at("2024-01-09T18:30:00Z"),
      true,
      at("2024-01-09T18:30:00Z"),
    ],
    [
      "interval elapsed, waiting for the window",
      { "rotor:interval": "30d", "rotor:schedule": "0 2 * * *" },
      last,
      last + 31 * day + 5 * 3_600_000,
      false,
      last + 32 * day + 2 * 3_600_000,
    ],
    [
      "interval elapsed inside a window",
      { "rotor:interval": "30d", "rotor:schedule": "0 2 * * *", "rotor:window": "3h" },
      last,
      last + 31 * day + 3 * 3_600_000,
      true,
      last + 31 * day + 3 * 3_600_000,
    ],
    [
      "interval not elapsed: next is the first window after it",
      { "rotor:interval": "30d", "rotor:schedule": "0 2 * * *" },
      last,
      last + 5 * day,
      false,
      last + 30 * day + 2 * 3_600_000,
    ],
  ])("%s", (_name, tags, lastRotation, now, due, next) => {
    const verdict = dueVerdict(policy(tags), lastRotation, now);
    expect(verdict.due).toBe(due);
    expect(verdict.nextRotation).toBe(next);
  });
});

/**
 * dueWindow: when a secret falls due after a rotation and when the chance
 * its policy gave the scheduler has passed (overdue). It must agree with
 * dueVerdict, the scheduler's own rule: due from `dueAt` on, and the first
 * window in which it is due ends at `overdueAt`.
 */
import { describe, expect, it } from "vitest";
import { dueVerdict } from "../../../src/core/contract/schedule/due.ts";
import {
  isPolicyProblem,
  readRotationPolicy,
} from "../../../src/core/contract/tags/rotation-policy.ts";
import { dueWindow } from "../../../src/core/scheduler/overdue.ts";

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function policy(tags: Record<string, string>) {
  const read = readRotationPolicy(tags);
  if (isPolicyProblem(read)) throw new Error(`${read.tag}: ${read.message}`);
  return read;
}

describe("dueWindow", () => {
  const last = at("2024-01-01T00:00:00Z");

  it.each([
    // name, tags, last rotation, due at, overdue at
    [
      "interval only: the default window's hour after the interval",
      { "rotor:interval": "30d" },
      last,
      last + 30 * DAY,
      last + 30 * DAY + HOUR,
    ],
    [
      "schedule only: the first window after the rotation",
      { "rotor:schedule": "0 2 * * *", "rotor:window": "2h" },
      at("2024-01-09T02:30:00Z"),
      at("2024-01-10T02:00:00Z"),
      at("2024-01-10T04:00:00Z"),
    ],
    [
      "schedule only, rotated before that day's window",
      { "rotor:schedule": "0 2 * * *" },
      at("2024-01-09T01:00:00Z"),
      at("2024-01-09T02:00:00Z"),
      at("2024-01-09T03:00:00Z"),
    ],
    [
      "both, the interval ends inside a window: due at once, overdue when it closes",
      { "rotor:interval": "7d", "rotor:schedule": "0 2 * * *", "rotor:window": "4h" },
      at("2024-01-01T03:00:00Z"),
      at("2024-01-08T03:00:00Z"),
      at("2024-01-08T06:00:00Z"),
    ],
    [
      "both, the interval ends outside a window: the next window",
      { "rotor:interval": "7d", "rotor:schedule": "0 2 * * SUN" },
      at("2024-01-01T12:00:00Z"),
      at("2024-01-14T02:00:00Z"),
      at("2024-01-14T03:00:00Z"),
    ],
    [
      "a schedule in its own zone",
      { "rotor:schedule": "0 2 * * *", "rotor:timezone": "Asia/Shanghai" },
      at("2024-01-09T12:00:00Z"),
      at("2024-01-09T18:00:00Z"),
      at("2024-01-09T19:00:00Z"),
    ],
  ])("%s", (_name, tags, lastRotation, dueAt, overdueAt) => {
    const read = policy(tags);

    const window = dueWindow(read, lastRotation);

    expect(window).toEqual({ dueAt, overdueAt });
    // The scheduler's own rule agrees: not due before, due from dueAt until overdueAt.
    expect(dueVerdict(read, lastRotation, dueAt - 1).due).toBe(false);
    expect(dueVerdict(read, lastRotation, dueAt).due).toBe(true);
    expect(dueVerdict(read, lastRotation, overdueAt - 1).due).toBe(true);
  });

  it("has none for a disabled policy, a policy with no interval or schedule, or a cron that never fires", () => {
    expect(dueWindow(policy({ "rotor:interval": "1d", "rotor:enabled": "false" }), last)).toBe(
      undefined,
    );
    expect(dueWindow(policy({}), last)).toBe(undefined);
    expect(dueWindow(policy({ "rotor:schedule": "0 2 30 FEB *" }), last)).toBe(undefined);
  });
});

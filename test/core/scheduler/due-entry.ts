/**
 * A plan entry for a generic secret on a monthly interval, due at `now`:
 * what the spread and the fan-out are handed in the scheduler's tests.
 */
import type { PlanEntry } from "../../../src/core/scheduler/plan.ts";

export function dueEntry(name: string, now: number, extra: Partial<PlanEntry> = {}): PlanEntry {
  return {
    secretName: name,
    rotator: "generic",
    functionName: "rotate-generic",
    lastRotation: now - 40 * 86_400_000,
    nextRotation: now,
    status: "due",
    reason: "interval elapsed",
    tags: { "rotor:rotator": "generic", "rotor:interval": "30d" },
    weakenings: [],
    ...extra,
  };
}

/**
 * The choice of which AccessKey may go to make room, as a table: by id and
 * by what the secret's versions say, never by age alone.
 */
import { describe, expect, it } from "vitest";
import {
  planSlots,
  type SlotInput,
} from "../../../../src/core/rotators/ram-access-key/ram-access-key-slots.ts";

const NOW = Date.parse("2026-01-10T00:00:00Z");
const HOUR = 60 * 60 * 1000;
const key = (accessKeyId: string, ageMs: number, status: "Active" | "Inactive" = "Active") => ({
  accessKeyId,
  status,
  createTime: NOW - ageMs,
});

const base: SlotInput = {
  keys: [],
  currentKeyId: "CUR",
  now: NOW,
  gracePeriod: "next-rotation",
  orphanMinAgeMs: 5 * 60 * 1000,
  emergency: false,
  maxKeys: 2,
};

describe("planSlots", () => {
  it("leaves a user with only the current key alone", () => {
    // Act
    const plan = planSlots({ ...base, keys: [key("CUR", HOUR)] });
    // Assess
    expect(plan).toEqual({ deactivate: [], delete: [] });
  });

  it("deletes the ACSPrevious key (Inactive first) when its grace ends at the next rotation", () => {
    // Act
    const plan = planSlots({
      ...base,
      keys: [key("OLDER", 2 * HOUR), key("CUR", HOUR)],
      previous: { accessKeyId: "OLDER", supersededAt: NOW - HOUR },
    });
    // Assess
    expect(plan).toEqual({ deactivate: ["OLDER"], delete: ["OLDER"] });
  });

  it("keeps an ACSPrevious key within a duration grace period and says until when", () => {
    // Act
    const plan = planSlots({
      ...base,
      gracePeriod: 12 * HOUR,
      keys: [key("PREV", 2 * HOUR), key("CUR", HOUR)],
      previous: { accessKeyId: "PREV", supersededAt: NOW - HOUR },
    });
    // Assess
    expect(plan.delete).toEqual([]);
    expect(plan.blockers?.map((blocker) => blocker.accessKeyId)).toEqual(["CUR", "PREV"]);
    expect(plan.blockers?.[1]?.reason).toContain(new Date(NOW + 11 * HOUR).toISOString());
  });

  it("ignores the grace period in an emergency and skips deactivating an Inactive key", () => {
    // Act
    const plan = planSlots({
      ...base,
      emergency: true,
      gracePeriod: 12 * HOUR,
      keys: [key("PREV", 2 * HOUR, "Inactive"), key("CUR", HOUR)],
      previous: { accessKeyId: "PREV", supersededAt: NOW - HOUR },
    });
    // Assess
    expect(plan).toEqual({ deactivate: [], delete: ["PREV"] });
  });

  it("deletes an old orphan, even when the room is not needed, and keeps a young one as in flight", () => {
    // Act
    const old = planSlots({ ...base, keys: [key("ORPHAN", HOUR), key("CUR", 2 * HOUR)] });
    const young = planSlots({ ...base, keys: [key("CUR", 2 * HOUR), key("FRESH", 1000)] });
    // Assess
    expect(old).toEqual({ deactivate: [], delete: ["ORPHAN"] });
    expect(young.delete).toEqual([]);
    expect(young.blockers?.find((blocker) => blocker.accessKeyId === "FRESH")?.inFlight).toBe(true);
  });

  it("never picks the current key, however old", () => {
    // Act
    const plan = planSlots({
      ...base,
      keys: [key("CUR", 900 * HOUR), key("PREV", HOUR)],
      previous: { accessKeyId: "PREV", supersededAt: NOW - HOUR },
    });
    // Assess
    expect(plan.delete).toEqual(["PREV"]);
  });
});

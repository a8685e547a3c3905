import { describe, expect, it } from "vitest";
import type { VersionSummary } from "../../../src/cloud-api/kms-client.ts";
import {
  isRotorPendingId,
  leaseClaimId,
  leaseOf,
  leaseRunning,
  nextPendingAttempt,
  pendingVersionId,
} from "../../../src/core/engine/rotation-lock.ts";

const version = (
  versionId: string,
  createTime: string,
  versionStages: string[] = [],
): VersionSummary => ({
  versionId,
  createTime,
  versionStages,
});

describe("rotation lock", () => {
  it("derives the same pending id from the same current version, a different one otherwise, within KMS's 64 characters", () => {
    // Act
    const ids = [
      pendingVersionId("v1", 1),
      pendingVersionId("v1", 1),
      pendingVersionId("v2", 1),
      pendingVersionId("v1", 2),
    ];
    const long = leaseClaimId(pendingVersionId("x".repeat(64), 99), 999);
    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[A-Za-z0-9_.:@+=/-]+$/);
  });

  it("claims the lease of another tool's pending version within 64 characters, however long its id", () => {
    // Prepare
    const foreign = version("f".repeat(64), "2026-01-01T00:00:00Z", ["ACSPending"]);
    const short = version("by-hand", "2026-01-01T00:00:00Z", ["ACSPending"]);
    // Act
    const claim = leaseClaimId(foreign.versionId, 123_456);
    const lease = leaseOf(foreign, [foreign, version(claim, "2026-01-01T03:00:00Z")], 60_000);
    // Assess
    expect(claim.length).toBeLessThanOrEqual(64);
    expect(lease).toMatchObject({ lastClaim: 123_456, heldBy: claim });
    expect(leaseClaimId(short.versionId, 1)).toBe("by-hand.lease-1");
    expect(isRotorPendingId(pendingVersionId("v1", 3))).toBe(true);
    expect(isRotorPendingId(short.versionId)).toBe(false);
  });

  it("counts a lease as given up only when the tag names the version that started it", () => {
    // Prepare
    const pending = version("rotor-abc-1", "2026-01-01T00:00:00Z", ["ACSPending"]);
    const claim = version("rotor-abc-1.lease-1", "2026-01-01T01:00:00Z", ["RotorLease"]);
    const during = Date.parse("2026-01-01T00:00:30Z");
    // Act
    const givenUp = leaseOf(pending, [pending], 60_000, { "rotor:lease-released": "rotor-abc-1" });
    const stale = leaseOf(pending, [pending, claim], 60_000, {
      "rotor:lease-released": "rotor-abc-1",
    });
    // Assess
    expect(givenUp.released).toBe(true);
    expect(leaseRunning(givenUp, during)).toBe(false);
    expect(stale.released).toBe(false);
    expect(leaseRunning(stale, Date.parse("2026-01-01T01:00:30Z"))).toBe(true);
    expect(leaseRunning(leaseOf(pending, [pending], 60_000), during)).toBe(true);
  });

  it("skips attempts taken by cancelled rotations", () => {
    // Prepare
    const taken = [
      version(pendingVersionId("v1", 1), "2026-01-01T00:00:00Z"),
      version(pendingVersionId("v1", 2), "2026-01-01T00:00:00Z"),
    ];
    // Act
    const attempt = nextPendingAttempt("v1", taken);
    // Assess
    expect(attempt).toBe(3);
  });

  it("starts the lease at the newest claim, else at the pending version", () => {
    // Prepare
    const pending = version("rotor-abc-1", "2026-01-01T00:00:00Z", ["ACSPending"]);
    const claims = [
      version("rotor-abc-1.lease-1", "2026-01-01T01:00:00Z"),
      version("rotor-abc-1.lease-2", "2026-01-01T02:00:00Z", ["RotorLease"]),
      version("rotor-other-1.lease-7", "2026-01-01T05:00:00Z"),
    ];
    // Act
    const fresh = leaseOf(pending, [pending], 60_000);
    const taken = leaseOf(pending, [pending, ...claims], 60_000);
    // Assess
    expect(fresh).toEqual({
      startedAt: Date.parse("2026-01-01T00:00:00Z"),
      expiresAt: Date.parse("2026-01-01T00:01:00Z"),
      lastClaim: 0,
      heldBy: "rotor-abc-1",
      released: false,
    });
    expect(taken).toMatchObject({
      lastClaim: 2,
      heldBy: "rotor-abc-1.lease-2",
      expiresAt: Date.parse("2026-01-01T02:01:00Z"),
    });
  });
});

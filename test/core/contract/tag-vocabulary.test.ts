/**
 * Every `rotor:*` tag Rotor reads or writes is in one vocabulary
 * (src/core/contract/tags/), each with the schema its value is read
 * through; a built-in rotator's own tags are its config schema. docs/tags.md
 * is where people read them: it must name each one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { ValidationError } from "../../../src/cloud-api/errors.ts";
import {
  engineConfigFromTags,
  LEASE_TAG,
  leaseTagSchema,
  parseTag,
  ROTOR_TAGS,
} from "../../../src/core/contract/tags/index.ts";
import { ramAccessKeyConfigSchema } from "../../../src/core/rotators/ram-access-key/ram-access-key-config.ts";
import { BUILT_IN_ROTATORS } from "../../../src/core/rotators/registry.ts";

/** The tag keys a rotator's config schema reads, `rotor:` put back in front. */
function rotatorTagKeys(config: unknown): string[] {
  const shape = (config as { shape?: Record<string, unknown> }).shape ?? {};
  return Object.keys(shape).map((key) => `rotor:${key}`);
}

describe("the rotor:* tag vocabulary", () => {
  it("names in docs/tags.md every tag Rotor reads or writes, and every built-in rotator's", () => {
    // Prepare
    const page = readFileSync(join(REPO_ROOT, "docs/tags.md"), "utf8");
    const keys = new Set([
      ...Object.keys(ROTOR_TAGS),
      ...Object.values(BUILT_IN_ROTATORS).flatMap((rotator) => rotatorTagKeys(rotator.config)),
    ]);
    // Act
    const missing = [...keys].filter((key) => !page.includes(`\`${key}\``)).sort();
    // Assess
    expect(keys.size).toBeGreaterThan(30);
    expect(keys).toContain("rotor:length");
    expect(missing).toEqual([]);
  });

  it("keys every schema by a rotor: tag", () => {
    // Assess
    for (const key of Object.keys(ROTOR_TAGS)) expect(key).toMatch(/^rotor:[a-z][a-z-]*$/);
  });

  it("refuses a wrong value with a ValidationError naming the tag and what it expects", () => {
    // Act
    const read = () => parseTag(LEASE_TAG, leaseTagSchema, "5s");
    // Assess
    expect(read).toThrow(ValidationError);
    expect(read).toThrow("Tag rotor:lease: must be at least 1m, got 5s");
    expect(() => parseTag(LEASE_TAG, leaseTagSchema, "soon")).toThrow(/^Tag rotor:lease: /);
  });

  it("reads the engine's tags through their schemas", () => {
    // Act
    const config = engineConfigFromTags({
      "rotor:pending-stage": "Waiting",
      "rotor:lease": "20m",
      "rotor:test-attempts": "5",
    });
    // Assess
    expect(config).toEqual({
      pendingStage: "Waiting",
      leaseMs: 20 * 60_000,
      leaseCapped: false,
      testAttempts: 5,
    });
    expect(() => engineConfigFromTags({ "rotor:pending-stage": "ACSCurrent" })).toThrow(
      'Tag rotor:pending-stage: expected a stage name of 1 to 64 letters, digits and _.- other than ACSCurrent, ACSPrevious, RotorLease and RotorRevoke, got "ACSCurrent"',
    );
    expect(() => engineConfigFromTags({ "rotor:test-attempts": "11" })).toThrow(
      'Tag rotor:test-attempts: expected a whole number from 1 to 10, got "11"',
    );
    expect(ROTOR_TAGS["rotor:test-attempts"]?.parse("7")).toBe(7);
  });

  it("has a rotator read a shared tag through the vocabulary's schema", () => {
    // Act
    const rotator = ramAccessKeyConfigSchema.safeParse({ "grace-period": "soon" });
    const vocabulary = ROTOR_TAGS["rotor:grace-period"]?.safeParse("soon");
    // Assess
    expect(rotator.success).toBe(false);
    expect(rotator.error?.issues[0]?.message).toBe(vocabulary?.error?.issues[0]?.message);
    expect(rotator.error?.issues[0]?.message).toContain('got "soon"');
    expect(ramAccessKeyConfigSchema.parse({ "grace-period": "7d" })["grace-period"]).toBe(
      7 * 86_400_000,
    );
  });
});

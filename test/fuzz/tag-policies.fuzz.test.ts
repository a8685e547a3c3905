/**
 * Fuzzing the tags a secret may carry: the engine's settings, the
 * scheduler's rotation policy and every rotator's config schema. Any tag
 * set gives a config or a clear error naming the tag, never a crash.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/cloud-api/errors.ts";
import type { AnyRotator } from "../../src/core/contract/rotator-contract.ts";
import { engineConfigFromTags, rotorTags } from "../../src/core/contract/tags/engine-tags.ts";
import {
  isPolicyProblem,
  readRotationPolicy,
} from "../../src/core/contract/tags/rotation-policy.ts";
import { BUILT_IN_ROTATORS } from "../../src/core/rotators/registry.ts";

const KNOWN_TAGS = [
  "rotor:enabled",
  "rotor:exclude-characters",
  "rotor:exclude-lowercase",
  "rotor:exclude-numbers",
  "rotor:exclude-punctuation",
  "rotor:exclude-uppercase",
  "rotor:field",
  "rotor:function",
  "rotor:generator",
  "rotor:interval",
  "rotor:lease",
  "rotor:length",
  "rotor:pending-stage",
  "rotor:require-each-type",
  "rotor:rotator",
  "rotor:schedule",
  "rotor:test-attempts",
  "rotor:timezone",
  "rotor:webhook-allow-http",
  "rotor:webhook-attempts",
  "rotor:webhook-key-secret",
  "rotor:webhook-timeout-seconds",
  "rotor:webhook-url",
  "rotor:window",
  "rotor:grace-period",
  "rotor:orphan-min-age",
];

/** Values near the edges of what tags accept, and anything at all. */
const tagValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "true",
    "false",
    "1m",
    "59s",
    "365d",
    "366d",
    "99999999999999999999d",
    "1.5h",
    "0 3 * * *",
    "*/0 * * * *",
    "60 24 32 13 8",
    "Asia/Shanghai",
    "Mars/Olympus",
    "ACSCurrent",
    "https://example.invalid/hook",
    "http://127.0.0.1:1/",
    "base64",
    "hex",
    "NaN",
    "1e9",
  ),
);
const tags = fc.dictionary(
  fc.oneof(fc.constantFrom(...KNOWN_TAGS), fc.string({ maxLength: 20 })),
  tagValue,
  {
    maxKeys: 10,
  },
);

const rotators: AnyRotator[] = Object.values(BUILT_IN_ROTATORS);

describe("tag policies under fuzzed tags", () => {
  it("the engine's settings: a config or a ValidationError naming the tag", () => {
    fc.assert(
      fc.property(tags, (set) => {
        try {
          const config = engineConfigFromTags(set);
          expect(config.leaseMs).toBeGreaterThanOrEqual(60_000);
          expect(config.testAttempts).toBeGreaterThanOrEqual(1);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as Error).message).toMatch(/^Tag rotor:/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the rotation policy: a policy or a problem naming one of the tags", () => {
    fc.assert(
      fc.property(tags, (set) => {
        const policy = readRotationPolicy(set);
        if (isPolicyProblem(policy)) {
          expect(Object.keys(set)).toContain(policy.tag);
          expect(policy.message.length).toBeGreaterThan(0);
        } else {
          expect(typeof policy.enabled).toBe("boolean");
        }
      }),
      { numRuns: 1000 },
    );
  });

  for (const rotator of rotators) {
    it(`${rotator.kind}: its config schema accepts or refuses any tag set without throwing`, () => {
      fc.assert(
        fc.property(tags, (set) => {
          const result = rotator.config.safeParse(rotorTags(set));
          if (!result.success) expect(result.error.issues.length).toBeGreaterThan(0);
        }),
        { numRuns: 500 },
      );
    });
  }
});

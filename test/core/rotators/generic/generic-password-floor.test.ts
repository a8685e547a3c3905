/**
 * The password floor (ROTOR_PASSWORD_MIN_LENGTH, ROTOR_PASSWORD_MIN_CLASSES):
 * a tag may ask for a stronger value than the floor, never a weaker one.
 * Too short a length is raised to the floor; exclusions that leave too few
 * character classes are refused; exclusions that leave a small alphabet
 * make the value longer, so it keeps the floor's randomness. Each
 * adjustment is logged as a warning naming the tag.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../../../src/cloud-api/errors.ts";
import {
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../../../src/core/contract/deploy-policy.ts";
import {
  FLOOR_BITS_PER_CHARACTER,
  flooredPasswordRequest,
  PASSWORD_CLASSES,
} from "../../../../src/core/contract/password-floor.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../../src/testing/rotation-harness.ts";

const EVERY_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ";
const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE = LOWERCASE.toUpperCase();

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function rotate(tags: Record<string, string>, policy?: DeployPolicy) {
  const name = harness.uniqueName("generic-floor");
  await harness.createSecret({
    name,
    data: "generic-floor-initial",
    tags: { "rotor:rotator": "generic", ...tags },
  });
  const before = await harness.versions(name);
  const outcome = await harness
    .engine({ policy })
    .rotate({ secretName: name })
    .catch((error: unknown) => error);
  const value = (await harness.admin.getSecretValue({ secretName: name })).secretData;
  const warnings = harness.logLines.filter(
    (line) => line.includes('"event":"password-floor-applied"') && line.includes(name),
  );
  return { name, before, outcome, value, warnings };
}

function classesOf(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value))
    .length;
}

describe("the generic rotator's password floor", () => {
  it("raises rotor:length below ROTOR_PASSWORD_MIN_LENGTH to it, and says so", async () => {
    // Act
    const { outcome, value, warnings } = await rotate({ "rotor:length": "8" });

    // Assess
    expect(outcome).toMatchObject({ outcome: "rotated" });
    expect(value).toHaveLength(20);
    expect(classesOf(value)).toBeGreaterThanOrEqual(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("rotor:length=8 raised to 20 (ROTOR_PASSWORD_MIN_LENGTH)");
  });

  it("refuses exclusions that leave fewer classes than ROTOR_PASSWORD_MIN_CLASSES, changing nothing", async () => {
    // Prepare: every class excluded but punctuation, and every punctuation character but `-`.
    const tags = {
      "rotor:length": "8",
      "rotor:exclude-lowercase": "true",
      "rotor:exclude-uppercase": "true",
      "rotor:exclude-numbers": "true",
      "rotor:exclude-characters": EVERY_PUNCTUATION.replace("-", ""),
    };

    // Act
    const { name, before, outcome, value } = await rotate(tags);

    // Assess
    expect(outcome).toBeInstanceOf(PolicyError);
    expect((outcome as Error).message).toBe(
      `Secret ${name}: this function requires at least 3 character classes (ROTOR_PASSWORD_MIN_CLASSES), but the tags rotor:exclude-lowercase, rotor:exclude-uppercase, rotor:exclude-numbers and rotor:exclude-characters leave 1 character class (punctuation); nothing was changed`,
    );
    expect(value).toBe("generic-floor-initial");
    expect(await harness.versions(name)).toEqual(before);
  });

  it("lengthens a password whose exclusions leave a small alphabet, so it keeps the floor's randomness", async () => {
    // Prepare: three classes, one character each.
    const tags = {
      "rotor:exclude-characters": [
        LOWERCASE.replace("a", ""),
        UPPERCASE.replace("B", ""),
        "023456789",
      ].join(""),
      "rotor:exclude-punctuation": "true",
    };

    // Act
    const { outcome, value, warnings } = await rotate(tags);

    // Assess
    expect(outcome).toMatchObject({ outcome: "rotated" });
    // 100 random bits (20 characters of 5 bits) from 3 characters: 64 of them.
    expect(value).toMatch(/^[aB1]{64}$/);
    expect(warnings[0]).toContain("raised to 64");
  });

  it("keeps what is at or above the floor, and a lower floor lets tags ask for less", async () => {
    // Prepare
    const lower: DeployPolicy = {
      ...DEFAULT_DEPLOY_POLICY,
      passwordFloor: { minLength: 12, minClasses: 2 },
    };

    // Act
    const strong = await rotate({ "rotor:length": "40" });
    const lowered = await rotate(
      {
        "rotor:length": "12",
        "rotor:exclude-punctuation": "true",
        "rotor:exclude-uppercase": "true",
      },
      lower,
    );

    // Assess
    expect(strong.value).toHaveLength(40);
    expect(strong.warnings).toEqual([]);
    expect(lowered.value).toMatch(/^[a-z0-9]{12}$/);
    expect(lowered.warnings).toEqual([]);
  });

  it("raises random bytes (base64, hex) to ROTOR_PASSWORD_MIN_LENGTH bytes", async () => {
    // Act
    const { value, warnings } = await rotate({ "rotor:generator": "hex", "rotor:length": "8" });

    // Assess
    expect(value).toMatch(/^[0-9a-f]{40}$/);
    expect(warnings[0]).toContain("rotor:length=8 raised to 20");
  });

  it("asks each included class to appear whatever rotor:require-each-type says", () => {
    // Act
    const { request, adjustments } = flooredPasswordRequest(
      {
        length: 32,
        excludeCharacters: "",
        excludeLowercase: false,
        excludeUppercase: false,
        excludeNumbers: false,
        excludePunctuation: false,
        requireEachIncludedType: false,
      },
      DEFAULT_DEPLOY_POLICY.passwordFloor,
      "the-secret",
    );

    // Assess
    expect(request.requireEachIncludedType).toBe(true);
    expect(adjustments).toEqual([
      {
        tag: "rotor:require-each-type",
        text: "rotor:require-each-type=false ignored: with ROTOR_PASSWORD_MIN_CLASSES at 3, every class left must appear",
      },
    ]);
  });
});

describe("the password floor under any tags", () => {
  it("either refuses, or asks for a password at least as strong as the floor", () => {
    const every = Object.values(PASSWORD_CLASSES).join("");
    fc.assert(
      fc.property(
        fc.record({
          length: fc.integer({ min: 8, max: 128 }),
          excludeCharacters: fc.subarray([...every]).map((chars) => chars.join("")),
          excludeLowercase: fc.boolean(),
          excludeUppercase: fc.boolean(),
          excludeNumbers: fc.boolean(),
          excludePunctuation: fc.boolean(),
          requireEachIncludedType: fc.boolean(),
        }),
        fc.record({
          minLength: fc.integer({ min: 8, max: 64 }),
          minClasses: fc.integer({ min: 1, max: 4 }),
        }),
        (asked, floor) => {
          let floored: ReturnType<typeof flooredPasswordRequest>;
          try {
            floored = flooredPasswordRequest(asked, floor, "fuzzed");
          } catch (error) {
            expect(error).toBeInstanceOf(PolicyError);
            return;
          }
          const { request } = floored;
          const pools = (Object.keys(PASSWORD_CLASSES) as (keyof typeof PASSWORD_CLASSES)[])
            .filter(
              (name) =>
                !request[`exclude${name[0]?.toUpperCase()}${name.slice(1)}` as "excludeNumbers"],
            )
            .map((name) =>
              [...PASSWORD_CLASSES[name]].filter((c) => !request.excludeCharacters.includes(c)),
            )
            .filter((pool) => pool.length > 0);
          const alphabet = pools.reduce((size, pool) => size + pool.length, 0);
          expect(request.length).toBeGreaterThanOrEqual(Math.max(asked.length, floor.minLength));
          expect(request.length).toBeLessThanOrEqual(128);
          expect(pools.length).toBeGreaterThanOrEqual(floor.minClasses);
          expect(request.length * Math.log2(alphabet)).toBeGreaterThanOrEqual(
            floor.minLength * FLOOR_BITS_PER_CHARACTER,
          );
          if (floor.minClasses > 1) expect(request.requireEachIncludedType).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

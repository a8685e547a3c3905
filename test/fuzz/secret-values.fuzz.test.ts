/**
 * Fuzzing every rotator's secret value parser: any text, and JSON objects
 * built from the fields rotators read, with secret-looking strings in them.
 * Each value is accepted or refused with a ValidationError; no message ever
 * holds one of the strings it was given.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/cloud-api/errors.ts";
import type { AnyRotator } from "../../src/core/contract/rotator-contract.ts";
import { BUILT_IN_ROTATORS } from "../../src/core/rotators/registry.ts";

const rotators: AnyRotator[] = Object.values(BUILT_IN_ROTATORS);

const FIELDS = [
  "AccountName",
  "AccountPassword",
  "AccessKeyId",
  "AccessKeySecret",
  "UserName",
  "GenerateTimestamp",
  "PrivateKey",
  "PublicKey",
  "host",
  "port",
  "database",
  "engine",
  "tls",
  "masterSecret",
  "instanceId",
];

/** A string that can't appear in a message by chance: a tagged random token. */
const token = fc.uuid().map((id) => `Sx${id.replaceAll("-", "")}`);
const fieldValue = fc.oneof(
  token,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("mysql", "postgres", "2024-01-01T00:00:00Z", "127.0.0.1"),
  fc.array(token, { maxLength: 2 }),
  fc.dictionary(fc.constantFrom(...FIELDS), token, { maxKeys: 3 }),
);
const secretObject = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), fieldValue, {
  maxKeys: 8,
});

/** Every token inside a generated value. */
function tokensOf(value: unknown): string[] {
  if (typeof value === "string") return value.startsWith("Sx") ? [value] : [];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(tokensOf);
}

function parseOrRefuse(rotator: AnyRotator, data: string): string | undefined {
  try {
    rotator.value.parse(data, "fuzz/secret");
    return undefined;
  } catch (error) {
    expect(error, `${rotator.kind} threw a non-validation error`).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
}

describe("secret value parsers under fuzzed values", () => {
  for (const rotator of rotators) {
    it(`${rotator.kind}: any text is parsed or refused with a ValidationError`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.jsonValue().map((v) => JSON.stringify(v)),
          ),
          (data) => {
            const message = parseOrRefuse(rotator, data);
            if (message !== undefined) expect(message).toContain("fuzz/secret");
          },
        ),
        { numRuns: 300 },
      );
    });

    it(`${rotator.kind}: a refused value's message holds none of its strings`, () => {
      fc.assert(
        fc.property(secretObject, (object) => {
          const message = parseOrRefuse(rotator, JSON.stringify(object));
          if (message === undefined) return;
          for (const secret of tokensOf(object)) expect(message.includes(secret)).toBe(false);
        }),
        { numRuns: 300 },
      );
    });
  }
});

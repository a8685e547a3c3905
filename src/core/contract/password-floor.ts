/**
 * The deployment's password floor (ROTOR_PASSWORD_MIN_LENGTH and
 * ROTOR_PASSWORD_MIN_CLASSES, see src/core/contract/deploy-policy.ts) applied to
 * what a secret's tags ask KMS GetRandomPassword for. Tags may ask for a
 * stronger password, never a weaker one:
 *
 * - Too short a length is raised to the floor. Longer passwords change no
 *   character a target sees, so the rotation goes on.
 * - Exclusions (the `rotor:exclude-*` tags) that leave fewer character
 *   classes than the floor are refused: putting a class back could make a
 *   password the target rejects, and only the deployment may lower the
 *   floor for such a target.
 * - Exclusions that keep enough classes but few characters (`a`, `B`, `1`)
 *   make a guessable password at any sane length, so the length is raised
 *   until the password holds as many random bits as the floor's length at
 *   5 bits a character (the randomness of an alphabet of 32; every full
 *   class beyond lowercase gives more).
 * - `rotor:require-each-type=false` is ignored when the floor asks for more
 *   than one class: the classes must be in every value, not in most.
 *
 * Random bytes (base64, hex) have no classes; their length, in bytes, is
 * raised to the floor's length.
 */
import type { RandomPasswordPolicy } from "@rotor/cloud-api";
import { PolicyError } from "@rotor/cloud-api";
import type { DeployPolicy } from "./deploy-policy.ts";

/** What GetRandomPassword draws from: its own classes, in its order. */
export const PASSWORD_CLASSES = {
  lowercase: "abcdefghijklmnopqrstuvwxyz",
  uppercase: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numbers: "0123456789",
  punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
} as const;

type ClassName = keyof typeof PASSWORD_CLASSES;

/** The random bits the floor asks of each of its characters (an alphabet of 32). */
export const FLOOR_BITS_PER_CHARACTER = 5;

/** GetRandomPassword's own longest password. */
const MAX_LENGTH = 128;

export type PasswordRequest = Required<RandomPasswordPolicy>;

export type PasswordFloor = DeployPolicy["passwordFloor"];

const FLAG: Record<ClassName, keyof PasswordRequest> = {
  lowercase: "excludeLowercase",
  uppercase: "excludeUppercase",
  numbers: "excludeNumbers",
  punctuation: "excludePunctuation",
};

/** The tag behind each setting, in the order errors name them. */
const TAG_OF: Record<keyof PasswordRequest, string> = {
  length: "rotor:length",
  excludeLowercase: "rotor:exclude-lowercase",
  excludeUppercase: "rotor:exclude-uppercase",
  excludeNumbers: "rotor:exclude-numbers",
  excludePunctuation: "rotor:exclude-punctuation",
  excludeCharacters: "rotor:exclude-characters",
  requireEachIncludedType: "rotor:require-each-type",
};

/** One change made to what the tags asked. */
export interface FloorAdjustment {
  /** The tag that asked for less: the one a report should name. */
  tag: string;
  /** The change, as a sentence starting with the tag and its value. */
  text: string;
}

export interface FlooredRequest {
  /** What to ask GetRandomPassword for. */
  request: PasswordRequest;
  /** Each change made to what the tags asked; empty when none. */
  adjustments: FloorAdjustment[];
}

/**
 * The request raised to the floor, or a PolicyError naming the tags when
 * their exclusions leave too few classes (before anything is generated).
 */
export function flooredPasswordRequest(
  asked: PasswordRequest,
  floor: PasswordFloor,
  secretName: string,
): FlooredRequest {
  const left = classesLeft(asked);
  if (left.length < floor.minClasses) {
    const tags = (Object.keys(TAG_OF) as (keyof PasswordRequest)[])
      .filter((key) => key.startsWith("exclude") && asked[key] !== false && asked[key] !== "")
      .map((key) => TAG_OF[key]);
    const count = `${left.length} character class${left.length === 1 ? "" : "es"}`;
    // The variable comes first: tag values and failure notices cut long messages short.
    throw new PolicyError(
      `Secret ${secretName}: this function requires at least ${floor.minClasses} character classes (ROTOR_PASSWORD_MIN_CLASSES), but the tags ${listed(tags)} leave ${count} (${left.map(({ name }) => name).join(", ") || "none"}); nothing was changed`,
    );
  }
  const request = { ...asked };
  const adjustments: FloorAdjustment[] = [];
  if (!asked.requireEachIncludedType && floor.minClasses > 1) {
    request.requireEachIncludedType = true;
    adjustments.push({
      tag: TAG_OF.requireEachIncludedType,
      text: `${TAG_OF.requireEachIncludedType}=false ignored: with ROTOR_PASSWORD_MIN_CLASSES at ${floor.minClasses}, every class left must appear`,
    });
  }
  const alphabet = left.reduce((size, { characters }) => size + characters, 0);
  const floorBits = floor.minLength * FLOOR_BITS_PER_CHARACTER;
  const forBits = Math.ceil(floorBits / Math.log2(alphabet));
  const length = Math.max(asked.length, floor.minLength, alphabet > 1 ? forBits : MAX_LENGTH + 1);
  if (length > MAX_LENGTH) {
    throw new PolicyError(
      `Secret ${secretName}: the tags' exclusions leave ${alphabet} character(s), too few for a password of ${floorBits} random bits within ${MAX_LENGTH} characters (the floor: ROTOR_PASSWORD_MIN_LENGTH ${floor.minLength}); nothing was changed`,
    );
  }
  if (length > asked.length) {
    request.length = length;
    const byLength = length === floor.minLength;
    adjustments.push({
      // A length raised for the alphabet's sake is the exclusions' doing.
      tag: byLength ? TAG_OF.length : TAG_OF.excludeCharacters,
      text: byLength
        ? `${TAG_OF.length}=${asked.length} raised to ${length} (ROTOR_PASSWORD_MIN_LENGTH)`
        : `${TAG_OF.length}=${asked.length} raised to ${length}: the ${alphabet} characters the exclusions leave need that many for ${floorBits} random bits (ROTOR_PASSWORD_MIN_LENGTH ${floor.minLength})`,
    });
  }
  return { request, adjustments };
}

/** Random bytes: at least the floor's length, in bytes. */
export function flooredByteLength(
  asked: number,
  floor: PasswordFloor,
): { length: number; adjustments: FloorAdjustment[] } {
  if (asked >= floor.minLength) return { length: asked, adjustments: [] };
  return {
    length: floor.minLength,
    adjustments: [
      {
        tag: TAG_OF.length,
        text: `${TAG_OF.length}=${asked} raised to ${floor.minLength} (ROTOR_PASSWORD_MIN_LENGTH, in bytes)`,
      },
    ],
  };
}

/** The classes GetRandomPassword can still draw from, with how many characters each keeps. */
function classesLeft(request: PasswordRequest): { name: ClassName; characters: number }[] {
  return (Object.keys(PASSWORD_CLASSES) as ClassName[])
    .filter((name) => request[FLAG[name]] !== true)
    .map((name) => ({
      name,
      characters: [...PASSWORD_CLASSES[name]].filter(
        (char) => !request.excludeCharacters.includes(char),
      ).length,
    }))
    .filter(({ characters }) => characters > 0);
}

function listed(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

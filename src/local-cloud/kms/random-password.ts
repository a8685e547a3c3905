/**
 * GetRandomPassword's generator: uniform choices from crypto.randomInt over
 * the character classes left after the exclusions, with one character of
 * each included class when RequireEachIncludedType is on (the default).
 */
import { randomInt } from "node:crypto";
import { cloudErrors } from "../api-error.ts";

const CLASSES = {
  lowercase: "abcdefghijklmnopqrstuvwxyz",
  uppercase: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numbers: "0123456789",
  punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
} as const;

export interface PasswordRequest {
  length: number;
  excludeCharacters: string;
  exclude: { lowercase: boolean; uppercase: boolean; numbers: boolean; punctuation: boolean };
  requireEachIncludedType: boolean;
}

export function randomPassword(request: PasswordRequest): string {
  const pools = (Object.keys(CLASSES) as (keyof typeof CLASSES)[])
    .filter((name) => !request.exclude[name])
    .map((name) =>
      [...CLASSES[name]].filter((char) => !request.excludeCharacters.includes(char)).join(""),
    )
    .filter((pool) => pool.length > 0);
  if (pools.length === 0) {
    throw cloudErrors.invalidParameter(
      "ExcludeCharacters",
      "no characters are left to build a password from",
    );
  }
  if (request.requireEachIncludedType && pools.length > request.length) {
    throw cloudErrors.invalidParameter(
      "PasswordLength",
      `too short to include each of ${pools.length} character types`,
    );
  }
  const all = pools.join("");
  const chars: string[] = [];
  if (request.requireEachIncludedType) {
    for (const pool of pools) chars.push(pick(pool));
  }
  while (chars.length < request.length) chars.push(pick(all));
  // Fisher–Yates, so the required characters do not sit at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

function pick(pool: string): string {
  return pool[randomInt(pool.length)] as string;
}

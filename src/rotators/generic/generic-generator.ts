/**
 * New random values: KMS GetRandomPassword with a policy whose defaults are
 * safe in connection strings and shells, or random bytes as base64/hex.
 */
import { randomBytes } from "node:crypto";
import type { RotatorContext } from "../contract.ts";
import { DEFAULT_EXCLUDED_CHARACTERS, type GenericConfig } from "./generic-config.ts";

export const DEFAULT_LENGTH = 32;

export async function generateValue(ctx: RotatorContext<GenericConfig>): Promise<string> {
  const { config } = ctx;
  const length = config.length ?? DEFAULT_LENGTH;
  if (config.generator === "base64") return randomBytes(length).toString("base64");
  if (config.generator === "hex") return randomBytes(length).toString("hex");
  const { randomPassword } = await ctx.kms.getRandomPassword({
    length,
    excludeCharacters: config["exclude-characters"] ?? DEFAULT_EXCLUDED_CHARACTERS,
    excludeLowercase: config["exclude-lowercase"],
    excludeUppercase: config["exclude-uppercase"],
    excludeNumbers: config["exclude-numbers"],
    excludePunctuation: config["exclude-punctuation"],
    requireEachIncludedType: config["require-each-type"],
  });
  ctx.redact(randomPassword);
  return randomPassword;
}

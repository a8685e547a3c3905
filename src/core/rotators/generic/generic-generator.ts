/**
 * New random values: KMS GetRandomPassword with a policy whose defaults are
 * safe in connection strings and shells, or random bytes as base64/hex.
 * What the tags ask for is raised to the deployment's password floor
 * (password-floor.ts); each raise is logged as a warning naming the tag.
 */
import { randomBytes } from "node:crypto";
import {
  type FloorAdjustment,
  flooredByteLength,
  flooredPasswordRequest,
} from "../../contract/password-floor.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import { DEFAULT_EXCLUDED_CHARACTERS, type GenericConfig } from "./generic-config.ts";

export const DEFAULT_LENGTH = 32;

export async function generateValue(ctx: RotatorContext<GenericConfig>): Promise<string> {
  const { config } = ctx;
  const asked = config.length ?? DEFAULT_LENGTH;
  if (config.generator === "base64" || config.generator === "hex") {
    const { length, adjustments } = flooredByteLength(asked, ctx.policy.passwordFloor);
    sayWhatWasRaised(ctx, adjustments);
    return randomBytes(length).toString(config.generator);
  }
  const { request, adjustments } = flooredPasswordRequest(
    {
      length: asked,
      excludeCharacters: config["exclude-characters"] ?? DEFAULT_EXCLUDED_CHARACTERS,
      excludeLowercase: config["exclude-lowercase"] ?? false,
      excludeUppercase: config["exclude-uppercase"] ?? false,
      excludeNumbers: config["exclude-numbers"] ?? false,
      excludePunctuation: config["exclude-punctuation"] ?? false,
      requireEachIncludedType: config["require-each-type"],
    },
    ctx.policy.passwordFloor,
    ctx.secretName,
  );
  sayWhatWasRaised(ctx, adjustments);
  const { randomPassword } = await ctx.kms.getRandomPassword(request);
  ctx.redact(randomPassword);
  return randomPassword;
}

function sayWhatWasRaised(
  ctx: RotatorContext<GenericConfig>,
  adjustments: FloorAdjustment[],
): void {
  if (adjustments.length === 0) return;
  ctx.log.warn("password-floor-applied", { adjustments: adjustments.map(({ text }) => text) });
}

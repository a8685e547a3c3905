/**
 * The passwords the `ecs-password` rotator gives an account, whichever way
 * the server is reached: KMS's GetRandomPassword (so the new password comes
 * from the cloud's generator and is counted as a call a crash can hit), 32
 * characters, every included type present.
 */
import type { RotatorContext } from "../../contract/rotator-contract.ts";

/** Characters left out of new passwords: they trip shells, URLs and quoting. */
export const ECS_EXCLUDED_CHARACTERS = ` "'\`\\/@$:`;

export const ECS_PASSWORD_LENGTH = 32;

/** A new password for an account, redacted from every log line before it is returned. */
export async function generateEcsPassword(ctx: RotatorContext<unknown>): Promise<string> {
  const { randomPassword } = await ctx.kms.getRandomPassword({
    length: ECS_PASSWORD_LENGTH,
    excludeCharacters: ECS_EXCLUDED_CHARACTERS,
    requireEachIncludedType: true,
  });
  ctx.redact(randomPassword);
  return randomPassword;
}

/**
 * Flag parsing for every command: node:util parseArgs in strict mode, with
 * its errors turned into UsageError so the CLI answers exit code 2 and the
 * command's usage line.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ValidationError } from "@rotor/core/cloud-api";

export class UsageError extends ValidationError {
  override name = "UsageError";
}

/** What parseArgs returns for these options (named, so the package's declarations can say it). */
type ParsedFlags<T extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>
>;

export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A whole number flag within a range, or a UsageError naming the flag. */
export function integerFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `${flag} expects a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

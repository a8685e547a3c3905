/**
 * Reading an action's parameters. Each helper names the parameter in its
 * error, so a caller sees which one was wrong; nothing is changed before all
 * of an action's parameters have been read.
 */
import { cloudErrors } from "./api-error.ts";

export type RawParams = Readonly<Record<string, string>>;

export function optionalString(
  params: RawParams,
  name: string,
  limits: { maxLength?: number; pattern?: RegExp; patternText?: string } = {},
): string | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (limits.maxLength !== undefined && Buffer.byteLength(value) > limits.maxLength) {
    throw cloudErrors.invalidParameter(name, `longer than ${limits.maxLength} bytes`);
  }
  if (limits.pattern && !limits.pattern.test(value)) {
    throw cloudErrors.invalidParameter(
      name,
      limits.patternText ?? "contains characters that are not allowed",
    );
  }
  return value;
}

export function requiredString(
  params: RawParams,
  name: string,
  limits: { maxLength?: number; pattern?: RegExp; patternText?: string } = {},
): string {
  const value = optionalString(params, name, limits);
  if (value === undefined) throw cloudErrors.missingParameter(name);
  return value;
}

export function optionalBoolean(params: RawParams, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw cloudErrors.invalidParameter(name, 'must be "true" or "false"');
}

export function optionalInteger(
  params: RawParams,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw cloudErrors.invalidParameter(name, "must be an integer");
  const number = Number(value);
  if (number < range.min || number > range.max) {
    throw cloudErrors.invalidParameter(name, `must be between ${range.min} and ${range.max}`);
  }
  return number;
}

export function optionalEnum<T extends string>(
  params: RawParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw cloudErrors.invalidParameter(name, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** A parameter carrying JSON (Tags, Filters, VersionStages…), parsed. */
export function optionalJson(params: RawParams, name: string): unknown {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw cloudErrors.invalidParameter(name, "is not valid JSON");
  }
}

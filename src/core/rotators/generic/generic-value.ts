/**
 * A generic secret's value: plain text, or a JSON object one of whose string
 * fields is the credential. A value that parses as a JSON object is JSON;
 * anything else is text, kept exactly as stored.
 */
import { ValidationError } from "@rotor/cloud-api";
import type { SecretValueCodec } from "../../contract/rotator-contract.ts";

export type GenericValue =
  | { kind: "text"; text: string }
  | { kind: "json"; fields: Record<string, unknown> };

export const DEFAULT_FIELD = "AccountPassword";

export const genericValueCodec: SecretValueCodec<GenericValue> = {
  parse(data, secretName) {
    if (data.length === 0) throw new ValidationError(`The value of secret ${secretName} is empty`);
    if (data.trimStart().startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new ValidationError(
          `The value of secret ${secretName} starts like a JSON object but is not valid JSON; expected plain text or an object such as {"AccountName":"…","AccountPassword":"…"}`,
        );
      }
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        return { kind: "json", fields: parsed as Record<string, unknown> };
      }
    }
    return { kind: "text", text: data };
  },
  format: (value) => (value.kind === "text" ? value.text : JSON.stringify(value.fields)),
  sensitive(value) {
    if (value.kind === "text") return [value.text];
    return Object.values(value.fields).filter(
      (field): field is string => typeof field === "string",
    );
  },
};

/** The JSON field to rotate, or a ValidationError naming what to fix. */
export function rotatedField(
  value: Extract<GenericValue, { kind: "json" }>,
  configured: string | undefined,
  secretName: string,
): string {
  const field = configured ?? DEFAULT_FIELD;
  if (!(field in value.fields)) {
    const hint = configured
      ? `the field named by tag rotor:field is missing`
      : `set tag rotor:field to the field to rotate, or add ${DEFAULT_FIELD}`;
    throw new ValidationError(
      `The value of secret ${secretName} has no field ${field} (${hint}); expected a shape such as {"AccountName":"…","${field}":"…"}`,
    );
  }
  if (typeof value.fields[field] !== "string") {
    throw new ValidationError(
      `The value of secret ${secretName}: field ${field} must be a string; expected a shape such as {"${field}":"…"}`,
    );
  }
  return field;
}

/** What a webhook is sent: the rotated value alone, and the field it sits in for a JSON secret. */
export function rotatedPart(
  value: GenericValue,
  configured: string | undefined,
  secretName: string,
): { field?: string; value: string } {
  if (value.kind === "text") return { value: value.text };
  const field = rotatedField(value, configured, secretName);
  return { field, value: value.fields[field] as string };
}

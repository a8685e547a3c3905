/**
 * How a `rotor:*` tag's value is read: through its zod schema, so that
 * every tag, the engine's as much as a rotator's, is checked the same way
 * and a wrong value is refused with a message that names the tag.
 */
import { ValidationError } from "@rotor/cloud-api";
import { z } from "zod";

/** The value a schema reads from a tag's text, or a ValidationError `Tag <key>: <what is wrong>`. */
export function parseTag<T>(key: string, schema: z.ZodType<T, string>, text: string): T {
  const result = schema.safeParse(text);
  if (result.success) return result.data;
  throw new ValidationError(`Tag ${key}: ${tagProblem(result.error)}`);
}

/** What is wrong with a tag's value, in the words its schema chose. */
export function tagProblem(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join("; ");
}

/**
 * A schema over one of Rotor's text parsers, which answer a value or in
 * `error` what was wrong (durations, cron expressions, grace periods).
 */
export function parsedText<T>(
  parse: (text: string) => T | { error: string },
): z.ZodType<T, string> {
  return z.string().transform((text, ctx) => {
    const parsed = parse(text);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed as T;
  });
}

/** A value Rotor writes itself (a version id, a digest, a time): any text KMS accepts in a tag. */
export const writtenByRotor = z.string().min(1).max(256);

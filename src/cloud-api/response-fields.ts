/**
 * Reading an OpenAPI answer's body: every product answers a JSON object
 * with a RequestId beside its own fields, and fields may be absent or null.
 */

/** A JSON object of an answer: its body (which carries RequestId) or one nested in it. */
export interface WireObject {
  RequestId?: string;
  [key: string]: unknown;
}

/** A field as text; absent or null reads as "". */
export function str(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** A field as text, or undefined when absent, null or empty. */
export function optionalStr(value: unknown): string | undefined {
  return value === undefined || value === null || value === "" ? undefined : String(value);
}

/** Unwraps Alibaba's `{"Outer":{"Inner":[…]}}` list shape; absent means empty. */
export function wrappedList(outer: unknown, inner: string): unknown[] {
  if (typeof outer !== "object" || outer === null) return [];
  const list = (outer as Record<string, unknown>)[inner];
  return Array.isArray(list) ? list : [];
}

/**
 * How an error reads in a log line: its name and message. Values never
 * reach it unredacted: the logger scrubs the values it knows of.
 */
import { RotorError } from "@rotor/cloud-api";

/** An error's name and message, for log lines (values are scrubbed by the logger). */
export function describeError(error: unknown): string {
  if (error instanceof RotorError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

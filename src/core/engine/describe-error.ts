/** How the engine names an error in its log lines and failure messages. */
import { RotorError } from "@rotor/cloud-api";

/** An error's name and message, for log lines (values are scrubbed by the logger). */
export function describeError(error: unknown): string {
  if (error instanceof RotorError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

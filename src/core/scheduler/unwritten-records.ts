/**
 * The scheduler's records on secrets (`rotor:weakening-reported`,
 * `rotor:overdue-reported`) are what keep a report to once per window.
 * A record that could not be written or removed is not an error of the
 * run (the report went out; the next run reports again), but it is shown
 * in the run's summary, not only in a log line: a deployment whose role
 * lacks the tag rights would otherwise repeat every report unnoticed.
 */
export interface UnwrittenRecord {
  secretName: string;
  /** The record's tag key. */
  tag: string;
  /** What the write or removal was: the record stays stale until a run manages it. */
  operation: "write" | "remove";
  /** The error's name or API code, never its message (it may quote the secret's tags). */
  error: string;
}

/** The error's API code when it has one, else its class name. */
export function errorLabel(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code !== "") return code;
  return (error as Error | undefined)?.name ?? "Error";
}

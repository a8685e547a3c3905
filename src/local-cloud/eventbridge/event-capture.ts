/**
 * An opt-in copy of every event the local buses accept, one JSON line per
 * event, in a file of its own in the folder ROTOR_EVENT_CAPTURE_DIR names
 * (one file per process, so concurrent clouds never interleave a line).
 * The test suite's leak scan (docs/reliability.md, "Leak scan") reads that
 * folder: an event that carried a secret value fails the run, whichever
 * function or process published it. Off when the variable is unset.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "./event-log.ts";

export const EVENT_CAPTURE_ENV = "ROTOR_EVENT_CAPTURE_DIR";

/** Appends the accepted event to the capture file, when capturing is on. */
export function captureEvent(record: EventRecord): void {
  const folder = process.env[EVENT_CAPTURE_ENV];
  if (!folder) return;
  const { bus, id, source, type, subject, time, dataContentType, data } = record;
  // Synchronous, like the secret ledger: on file before PutEvents answers.
  appendFileSync(
    join(folder, `eventbridge-${process.pid}.log`),
    `${JSON.stringify({ bus, id, source, type, subject, time, dataContentType, data })}\n`,
  );
}

/**
 * PutEvents' EventList: a JSON array of CloudEvents 1.0 in the official
 * SDK's field names (`Id`, `Source`, `Type`, `SpecVersion`, `Time`,
 * `Subject`, `DataContentType`, `DataSchema`, `Data`). What is wrong with
 * the list as a whole refuses the call; what is wrong with one event fails
 * that event only, and the others are kept, as the real service reports
 * them (`EntryList[i].ErrorCode`).
 *
 * The limits are EventBridge's: 16 events a call, 64 KB an event (the
 * UTF-8 bytes of its JSON as sent), 256 KB a call (the bytes of the
 * EventList parameter). The per-event codes are UNCONFIRMED: Alibaba
 * documents the limits but not the codes it answers when they are broken.
 */
import { createHash } from "node:crypto";
import { cloudErrors } from "../api-error.ts";

export const MAX_EVENTS_PER_CALL = 16;
export const MAX_EVENT_BYTES = 64 * 1024;
export const MAX_CALL_BYTES = 256 * 1024;

/** An event that passed every check, in the bus's terms. */
export interface CheckedEvent {
  id: string;
  source: string;
  type: string;
  specVersion: "1.0";
  time?: string | undefined;
  subject?: string | undefined;
  dataContentType?: string | undefined;
  dataSchema?: string | undefined;
  /** Absent when the event has no data (JSON `null` is data). */
  data?: unknown;
  hasData: boolean;
  /** Identifies the content: the same source and id sent again with it is the same event. */
  fingerprint: string;
}

export type EntryCheck =
  | { ok: true; event: CheckedEvent }
  | { ok: false; id?: string | undefined; errorCode: string; errorMessage: string };

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** The EventList parameter's events; refuses a list that is not one, empty, or over the limits. */
export function parseEventList(raw: string): unknown[] {
  const bytes = Buffer.byteLength(raw);
  if (bytes > MAX_CALL_BYTES) {
    throw cloudErrors.invalidParameter(
      "EventList",
      `the events are ${bytes} bytes; one call may carry at most ${MAX_CALL_BYTES}`,
    );
  }
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw cloudErrors.invalidParameter("EventList", "is not valid JSON");
  }
  if (!Array.isArray(list)) throw cloudErrors.invalidParameter("EventList", "is not a JSON array");
  if (list.length === 0) throw cloudErrors.invalidParameter("EventList", "holds no event");
  if (list.length > MAX_EVENTS_PER_CALL) {
    throw cloudErrors.invalidParameter(
      "EventList",
      `holds ${list.length} events; one call may carry at most ${MAX_EVENTS_PER_CALL}`,
    );
  }
  return list;
}

/** One EventList entry checked; a failure names the field, never the event's data. */
export function checkEntry(entry: unknown): EntryCheck {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return invalid(undefined, "an event must be a JSON object");
  }
  const fields = entry as Record<string, unknown>;
  const id = typeof fields.Id === "string" && fields.Id !== "" ? fields.Id : undefined;
  const bytes = Buffer.byteLength(JSON.stringify(entry));
  if (bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      id,
      errorCode: "EventSizeExceeded",
      errorMessage: `The event is ${bytes} bytes; an event may have at most ${MAX_EVENT_BYTES}.`,
    };
  }
  for (const name of ["Id", "Source", "Type"]) {
    if (typeof fields[name] !== "string" || fields[name] === "") {
      return invalid(id, `${name} is required and must be a non-empty string`);
    }
  }
  for (const name of ["Time", "Subject", "DataContentType", "DataSchema", "SpecVersion"]) {
    if (fields[name] !== undefined && typeof fields[name] !== "string") {
      return invalid(id, `${name} must be a string`);
    }
  }
  if (fields.SpecVersion !== undefined && fields.SpecVersion !== "1.0") {
    return invalid(id, "SpecVersion must be 1.0");
  }
  const time = fields.Time as string | undefined;
  if (time !== undefined && (!RFC_3339.test(time) || Number.isNaN(Date.parse(time)))) {
    return invalid(id, "Time must be an RFC 3339 time, e.g. 2024-06-01T08:00:00Z");
  }
  const event: CheckedEvent = {
    id: fields.Id as string,
    source: fields.Source as string,
    type: fields.Type as string,
    specVersion: "1.0",
    time,
    subject: fields.Subject as string | undefined,
    dataContentType: fields.DataContentType as string | undefined,
    dataSchema: fields.DataSchema as string | undefined,
    hasData: "Data" in fields,
    fingerprint: "",
  };
  if (event.hasData) event.data = fields.Data;
  event.fingerprint = createHash("sha256")
    .update(
      JSON.stringify([
        event.type,
        event.time ?? null,
        event.subject ?? null,
        event.dataContentType ?? null,
        event.dataSchema ?? null,
        event.hasData,
        event.hasData ? event.data : null,
      ]),
    )
    .digest("hex");
  return { ok: true, event };
}

function invalid(id: string | undefined, why: string): EntryCheck {
  return {
    ok: false,
    id,
    errorCode: "InvalidArgument",
    errorMessage: `The event is invalid: ${why}.`,
  };
}

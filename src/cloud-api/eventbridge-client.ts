/**
 * Typed calls to Alibaba Cloud EventBridge (API 2020-04-01): publishing
 * CloudEvents 1.0 to an event bus (PutEvents), reading them back
 * (QueryTracedEvents, QueryEvent) and managing buses.
 *
 * Which PutEvents: EventBridge has two. The data plane, `POST
 * /openapi/putEvents` on `<account>.eventbridge.<region>.aliyuncs.com` with a
 * `application/cloudevents-batch+json` body, is signed by the `@alicloud/eventbridge`
 * SDK's own scheme (`authorization: acs:<key id>:<HMAC-SHA1>` over its
 * `x-eventbridge-*` headers), which `@alicloud/openapi-client` cannot
 * produce. The control plane's PutEvents (the `eventbridge20200401` SDK,
 * host `eventbridge-console.<region>.aliyuncs.com`) is an ordinary RPC
 * action: `POST /`, `x-acs-action: PutEvents`, `x-acs-version: 2020-04-01`,
 * signed V3 like every other product here. Rotor uses that one, through
 * its one signed caller (openapi-caller.ts), exactly as the official SDK
 * sends it:
 *
 *   form body  EventBusName=rotor
 *              EventList=[{"Id":…,"Source":…,"Type":…,"SpecVersion":"1.0",
 *                          "Time":…,"Subject":…,"DataContentType":…,"Data":{…}}]
 *   answer     {"RequestId":…,"Code":"200","Success":true,
 *               "Data":{"FailedEntryCount":0,
 *                       "EntryList":[{"EventId":…,"TraceId":…}
 *                                   | {"EventId":…,"ErrorCode":…,"ErrorMessage":…}]}}
 *
 * Limits (documented for the data plane; Rotor keeps to them on the
 * control plane too, which documents none): at most 16 events a call,
 * 64 KB an event, 256 KB a call; an event's source and id together are
 * unique on a bus. `putEvents` splits a list into calls within those limits and
 * reports each event's outcome in the order given. Sizes are the UTF-8
 * bytes of each event's JSON as sent, and of the EventList parameter.
 *
 * Endpoint: ROTOR_ENDPOINT_EVENTBRIDGE, else ROTOR_ENDPOINT, else the
 * control plane's public endpoint (endpoints.ts).
 */
import { ApiError, ValidationError } from "./errors.ts";
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { optionalStr, str, type WireObject } from "./response-fields.ts";

/** At most this many events in one PutEvents call. */
export const MAX_EVENTS_PER_CALL = 16;
/** At most this many bytes in one event's JSON. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** At most this many bytes in one call's EventList. */
export const MAX_CALL_BYTES = 256 * 1024;

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** One CloudEvent to publish. `specversion` is always 1.0. */
export interface CloudEventInput {
  /** Unique together with `source` on the bus. */
  id: string;
  /** A URI-reference naming who emits, e.g. `rotor`. */
  source: string;
  /** e.g. `rotor.rotation.failed`. */
  type: string;
  /** What the event is about, e.g. a secret's name. */
  subject?: string | undefined;
  /**
   * When it happened. Absent, the bus stamps its receive time, and the same
   * event sent again later still counts as the same (see putEvents).
   */
  time?: string | Date | undefined;
  data?: unknown;
  /** Default `application/json` when there is data. */
  dataContentType?: string | undefined;
  dataSchema?: string | undefined;
}

/** What became of one event, in the order given. */
export interface PublishedEvent {
  id: string;
  source: string;
  /** Set when the bus accepted the event. */
  eventId?: string | undefined;
  traceId?: string | undefined;
  /** Set when it did not: the bus's code and message for this event. */
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
}

export interface PutEventsResult {
  failedEntryCount: number;
  events: PublishedEvent[];
  /** One per call made. */
  requestIds: string[];
}

/** An event as QueryTracedEvents lists it: where and when, not what. */
export interface TracedEvent {
  eventBusName: string;
  eventId: string;
  eventSource: string;
  eventType: string;
  /** Epoch milliseconds when the bus received it. */
  eventReceivedTime: number;
}

export interface TracedEventsPage {
  events: TracedEvent[];
  nextToken?: string | undefined;
  total: number;
  requestId: string;
}

export interface EventBus {
  eventBusName: string;
  eventBusArn: string;
  description: string;
  /** Epoch milliseconds. */
  createTimestamp: number;
}

export type EventBridgeClientOptions = Omit<CallerOptions, "product">;

export class EventBridgeClient {
  readonly caller: OpenApiCaller;

  constructor(options: EventBridgeClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "eventbridge" });
  }

  /**
   * Publishes `events` to the bus, as few calls as the limits allow. Events
   * the bus refuses are reported in `events` with its code and message, not
   * thrown; a call the bus refuses as a whole (no such bus, no permission)
   * throws ApiError, as do calls after it is retried out. Bad input (a
   * missing field, an event over 64 KB, one source and id twice) throws
   * ValidationError before anything is sent.
   *
   * Publishing is safe to repeat: an event already on the bus with the
   * same source, id and content is accepted again and kept once, so a call
   * retried after a lost answer (here or by the caller) duplicates nothing.
   * The same source and id with other content is refused for that event.
   *
   * @example
   * const result = await eventBridge.putEvents("rotor", [
   *   { id: randomUUID(), source: "rotor", type: "rotor.rotation.succeeded",
   *     subject: "app/db", data: { secretName: "app/db", step: "finishSecret" } },
   * ]);
   * for (const event of result.events) if (event.errorCode) log(event);
   */
  async putEvents(busName: string, events: readonly CloudEventInput[]): Promise<PutEventsResult> {
    if (busName === "") throw new ValidationError("name the event bus to publish to");
    const wire = events.map((event, index) => toWireEvent(event, index));
    const seen = new Set<string>();
    for (const [index, entry] of wire.entries()) {
      const key = `${entry.Source}\n${entry.Id}`;
      if (seen.has(key)) {
        throw new ValidationError(
          `event ${index} repeats source ${JSON.stringify(entry.Source)} and id ${JSON.stringify(entry.Id)}: the pair must be unique`,
        );
      }
      seen.add(key);
    }
    const result: PutEventsResult = { failedEntryCount: 0, events: [], requestIds: [] };
    for (const batch of batches(wire)) {
      const body = await this.caller.call<WireObject>(
        "PutEvents",
        {},
        { body: { EventBusName: busName, EventList: JSON.stringify(batch) } },
      );
      checkSucceeded("PutEvents", body);
      result.requestIds.push(str(body.RequestId));
      const data = (body.Data ?? {}) as WireObject;
      const entries = Array.isArray(data.EntryList) ? (data.EntryList as WireObject[]) : [];
      batch.forEach((sent, index) => {
        const published = publishedEvent(sent, entries[index]);
        if (published.errorCode !== undefined) result.failedEntryCount++;
        result.events.push(published);
      });
    }
    return result;
  }

  /**
   * The events the bus received between `startTime` and `endTime` (epoch
   * ms), oldest first, at most `limit` (1..100) a page; pass the answer's
   * `nextToken` for the next page. `eventSource`, `eventType` and `subject`
   * narrow the list on the server.
   */
  async queryTracedEvents(input: {
    busName: string;
    startTime: number;
    endTime: number;
    eventSource?: string | undefined;
    eventType?: string | undefined;
    subject?: string | undefined;
    limit?: number | undefined;
    nextToken?: string | undefined;
  }): Promise<TracedEventsPage> {
    const body = await this.caller.call<WireObject>("QueryTracedEvents", {
      EventBusName: input.busName,
      StartTime: input.startTime,
      EndTime: input.endTime,
      EventSource: input.eventSource,
      EventType: input.eventType,
      Subject: input.subject,
      Limit: input.limit,
      NextToken: input.nextToken,
    });
    checkSucceeded("QueryTracedEvents", body);
    const data = (body.Data ?? {}) as WireObject;
    const events = Array.isArray(data.Events) ? (data.Events as WireObject[]) : [];
    return {
      events: events.map((event) => ({
        eventBusName: str(event.EventBusName),
        eventId: str(event.EventId),
        eventSource: str(event.EventSource),
        eventType: str(event.EventType),
        eventReceivedTime: Number(event.EventReceivedTime ?? 0),
      })),
      nextToken: optionalStr(data.NextToken),
      total: Number(data.Total ?? events.length),
      requestId: str(body.RequestId),
    };
  }

  /**
   * One event's content as the bus keeps it: the CloudEvent's attributes
   * in lower case (`id`, `source`, `type`, `specversion`, `time`,
   * `subject`, `datacontenttype`, `data`, …) and the bus's own `aliyun…`
   * extensions. On the default bus the event's source is required.
   */
  async queryEvent(input: {
    busName: string;
    eventId: string;
    eventSource?: string | undefined;
  }): Promise<Record<string, unknown>> {
    const body = await this.caller.call<WireObject>("QueryEvent", {
      EventBusName: input.busName,
      EventId: input.eventId,
      EventSource: input.eventSource,
    });
    checkSucceeded("QueryEvent", body);
    const data = body.Data;
    return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  }

  async createEventBus(input: { busName: string; description?: string }): Promise<string> {
    const body = await this.caller.call<WireObject>("CreateEventBus", {
      EventBusName: input.busName,
      Description: input.description,
    });
    checkSucceeded("CreateEventBus", body);
    return str(((body.Data ?? {}) as WireObject).EventBusARN);
  }

  async getEventBus(busName: string): Promise<EventBus> {
    const body = await this.caller.call<WireObject>("GetEventBus", { EventBusName: busName });
    checkSucceeded("GetEventBus", body);
    return eventBus((body.Data ?? {}) as WireObject);
  }

  async listEventBuses(
    input: { namePrefix?: string; limit?: number; nextToken?: string } = {},
  ): Promise<{ eventBuses: EventBus[]; nextToken?: string | undefined; total: number }> {
    const body = await this.caller.call<WireObject>("ListEventBuses", {
      NamePrefix: input.namePrefix,
      Limit: input.limit,
      NextToken: input.nextToken,
    });
    checkSucceeded("ListEventBuses", body);
    const data = (body.Data ?? {}) as WireObject;
    const buses = Array.isArray(data.EventBuses) ? (data.EventBuses as WireObject[]) : [];
    return {
      eventBuses: buses.map(eventBus),
      nextToken: optionalStr(data.NextToken),
      total: Number(data.Total ?? buses.length),
    };
  }

  async deleteEventBus(busName: string): Promise<void> {
    const body = await this.caller.call<WireObject>("DeleteEventBus", { EventBusName: busName });
    checkSucceeded("DeleteEventBus", body);
  }
}

/** An event as the EventList parameter carries it (the official SDK's names). */
interface WireEvent {
  Id: string;
  Source: string;
  Type: string;
  SpecVersion: "1.0";
  Time?: string;
  Subject?: string;
  DataContentType?: string;
  DataSchema?: string;
  Data?: unknown;
}

function toWireEvent(event: CloudEventInput, index: number): WireEvent {
  for (const field of ["id", "source", "type"] as const) {
    if (typeof event[field] !== "string" || event[field] === "") {
      throw new ValidationError(`event ${index} has no ${field}`);
    }
  }
  const time = event.time instanceof Date ? event.time.toISOString() : event.time;
  if (time !== undefined && !RFC_3339.test(time)) {
    throw new ValidationError(
      `event ${index} (id ${JSON.stringify(event.id)}) has a bad time: use RFC 3339, e.g. 2024-06-01T08:00:00Z`,
    );
  }
  const wire: WireEvent = {
    Id: event.id,
    Source: event.source,
    Type: event.type,
    SpecVersion: "1.0",
  };
  if (time !== undefined) wire.Time = time;
  if (event.subject !== undefined) wire.Subject = event.subject;
  if (event.data !== undefined) {
    wire.DataContentType = event.dataContentType ?? "application/json";
    wire.Data = event.data;
  } else if (event.dataContentType !== undefined) {
    wire.DataContentType = event.dataContentType;
  }
  if (event.dataSchema !== undefined) wire.DataSchema = event.dataSchema;
  const bytes = jsonBytes(wire);
  if (bytes > MAX_EVENT_BYTES) {
    throw new ValidationError(
      `event ${index} (id ${JSON.stringify(event.id)}) is ${bytes} bytes; an event may have at most ${MAX_EVENT_BYTES}`,
    );
  }
  return wire;
}

/** The events in order, cut into calls of at most 16 events and 256 KB of EventList. */
function batches(events: readonly WireEvent[]): WireEvent[][] {
  const calls: WireEvent[][] = [];
  let current: WireEvent[] = [];
  // `[` and `]`, then each event and the comma before all but the first.
  let currentBytes = 2;
  for (const event of events) {
    const bytes = jsonBytes(event);
    const comma = current.length > 0 ? 1 : 0;
    if (current.length === MAX_EVENTS_PER_CALL || currentBytes + comma + bytes > MAX_CALL_BYTES) {
      calls.push(current);
      current = [];
      currentBytes = 2;
    }
    currentBytes += (current.length > 0 ? 1 : 0) + bytes;
    current.push(event);
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

function publishedEvent(sent: WireEvent, entry: WireObject | undefined): PublishedEvent {
  const base = { id: sent.Id, source: sent.Source };
  if (entry === undefined) {
    return {
      ...base,
      errorCode: "MissingEntryResult",
      errorMessage: "the answer listed no result for this event",
    };
  }
  const errorCode = optionalStr(entry.ErrorCode);
  // The API documents "Success" as the code of an accepted entry; absent means the same.
  if (errorCode !== undefined && errorCode !== "Success") {
    return {
      ...base,
      eventId: optionalStr(entry.EventId),
      errorCode,
      errorMessage: optionalStr(entry.ErrorMessage),
    };
  }
  return { ...base, eventId: optionalStr(entry.EventId), traceId: optionalStr(entry.TraceId) };
}

/**
 * EventBridge's 2020-04-01 answers carry `Success` and `Code` besides the
 * HTTP status; one that says it failed is an error even with status 200.
 */
function checkSucceeded(action: string, body: WireObject): void {
  const code = optionalStr(body.Code);
  const failed =
    body.Success === false || (code !== undefined && code !== "200" && code !== "Success");
  if (!failed) return;
  throw new ApiError({
    action,
    code: code ?? "Unknown",
    statusCode: 200,
    message: str(body.Message) || "the answer says the call failed",
    requestId: optionalStr(body.RequestId),
  });
}

function eventBus(bus: WireObject): EventBus {
  return {
    eventBusName: str(bus.EventBusName),
    eventBusArn: str(bus.EventBusARN),
    description: str(bus.Description),
    createTimestamp: Number(bus.CreateTimestamp ?? 0),
  };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

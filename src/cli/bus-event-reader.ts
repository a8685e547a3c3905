/**
 * Reading what an EventBridge bus received, the way a user of the real
 * service does: QueryTracedEvents lists the events of a time range (by the
 * time the bus received them, narrowed by type and source on the server),
 * page by page, then QueryEvent fetches each one's content. Following a
 * bus polls the same way; windows overlap so an event that arrives late
 * or while the clocks disagree is still seen, and once only.
 */
import type { EventBridgeClient } from "@rotor/core/cloud-api";

/** An event as `rotor events` shows it: the CloudEvent's own fields. */
export interface BusEvent {
  id: string;
  source: string;
  type: string;
  specversion?: string | undefined;
  subject?: string | undefined;
  /** When it happened, as the event says. */
  time?: string | undefined;
  /** When the bus received it (ISO). */
  receivedTime: string;
  datacontenttype?: string | undefined;
  dataschema?: string | undefined;
  data?: unknown;
}

export interface BusQuery {
  busName: string;
  /** Epoch milliseconds: events the bus received from then on. */
  since: number;
  type?: string | undefined;
  source?: string | undefined;
}

const PAGE = 100;
/** Receive times may run ahead of this machine's clock: look a little into the future. */
const CLOCK_MARGIN_MS = 5 * 60_000;
/** How far back each poll of a followed bus looks again behind the newest event seen. */
const FOLLOW_OVERLAP_MS = 60_000;

/** The events the bus received since `query.since`, oldest first. */
export async function readBusEvents(
  client: EventBridgeClient,
  query: BusQuery,
  until: number = Date.now() + CLOCK_MARGIN_MS,
): Promise<BusEvent[]> {
  const events: BusEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.queryTracedEvents({
      busName: query.busName,
      startTime: query.since,
      endTime: until,
      eventType: query.type,
      eventSource: query.source,
      limit: PAGE,
      nextToken,
    });
    for (const traced of page.events) {
      const content = await client.queryEvent({
        busName: query.busName,
        eventId: traced.eventId,
        eventSource: traced.eventSource,
      });
      events.push(busEventOf(content, traced.eventReceivedTime));
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events.sort((a, b) => Date.parse(a.receivedTime) - Date.parse(b.receivedTime));
}

/**
 * Reads the bus every `intervalMs` and hands each event it had not handed
 * before to `onEvent`, oldest first, until `signal` aborts.
 */
export async function followBusEvents(
  client: EventBridgeClient,
  query: BusQuery,
  onEvent: (event: BusEvent) => void,
  options: { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  /** Events handed out, by source and id, with their receive time (to forget old ones). */
  const seen = new Map<string, number>();
  let newest = query.since;
  while (!options.signal.aborted) {
    const from = Math.max(query.since, newest - FOLLOW_OVERLAP_MS);
    for (const event of await readBusEvents(client, { ...query, since: from })) {
      const key = JSON.stringify([event.source, event.id]);
      if (seen.has(key)) continue;
      const received = Date.parse(event.receivedTime);
      seen.set(key, received);
      newest = Math.max(newest, received);
      onEvent(event);
    }
    for (const [key, received] of seen) if (received < from) seen.delete(key);
    await sleep(options.intervalMs, options.signal);
  }
}

function busEventOf(content: Record<string, unknown>, receivedAt: number): BusEvent {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const event: BusEvent = {
    id: text(content.id) ?? "",
    source: text(content.source) ?? "",
    type: text(content.type) ?? "",
    specversion: text(content.specversion),
    subject: text(content.subject),
    time: text(content.time),
    receivedTime: new Date(receivedAt).toISOString(),
    datacontenttype: text(content.datacontenttype),
    dataschema: text(content.dataschema),
  };
  if ("data" in content) event.data = content.data;
  return event;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

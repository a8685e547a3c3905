/**
 * The events each bus received, kept durably in the local cloud's state
 * folder (one encrypted record per event, written crash-safely before
 * PutEvents answers), and read back the ways EventBridge's query API
 * offers: by time range with filters (QueryTracedEvents) and by id
 * (QueryEvent).
 *
 * An event's source and id are unique on its bus. The same event sent
 * again (same source, id and content: a client retrying a call whose
 * answer it lost) is accepted once more and stored once; the same source
 * and id with other content is refused (`EventIdDuplicated`, UNCONFIRMED:
 * the real service's behaviour for a repeated id is not documented).
 */
import { randomBytes } from "node:crypto";
import { NO_CHANGE, type RecordStore } from "../state/record-store.ts";
import type { CheckedEvent } from "./event-entry.ts";

export interface EventRecord {
  bus: string;
  id: string;
  source: string;
  type: string;
  specVersion: "1.0";
  /** The event's own time, or when the bus received it when it had none. */
  time: string;
  subject?: string | undefined;
  dataContentType?: string | undefined;
  dataSchema?: string | undefined;
  hasData: boolean;
  data?: unknown;
  /** Epoch milliseconds when the bus received it (the cloud's clock). */
  receivedAt: number;
  /** Order of arrival among events received in the same millisecond. */
  seq: number;
  traceId: string;
  fingerprint: string;
}

export type AppendOutcome =
  | { outcome: "stored" | "repeated"; record: EventRecord }
  | { outcome: "conflict" };

export interface EventFilter {
  /** Epoch milliseconds, both ends included. */
  startTime: number;
  endTime: number;
  source?: string | undefined;
  type?: string | undefined;
  subject?: string | undefined;
}

export class EventLog {
  private nextSeq: number;

  private constructor(private readonly store: RecordStore<EventRecord>) {
    let highest = -1;
    for (const record of store.values()) highest = Math.max(highest, record.seq);
    this.nextSeq = highest + 1;
  }

  static open(store: RecordStore<EventRecord>): EventLog {
    return new EventLog(store);
  }

  /** Stores `event` on `bus` unless it is there already (see the file's comment). */
  append(bus: string, event: CheckedEvent, receivedAt: number): Promise<AppendOutcome> {
    return this.store.update<AppendOutcome>(keyOf(bus, event.source, event.id), (current) => {
      if (current !== undefined) {
        return {
          next: NO_CHANGE,
          result:
            current.fingerprint === event.fingerprint
              ? { outcome: "repeated", record: current }
              : { outcome: "conflict" },
        };
      }
      const record: EventRecord = {
        bus,
        id: event.id,
        source: event.source,
        type: event.type,
        specVersion: event.specVersion,
        time: event.time ?? new Date(receivedAt).toISOString(),
        subject: event.subject,
        dataContentType: event.dataContentType,
        dataSchema: event.dataSchema,
        hasData: event.hasData,
        receivedAt,
        seq: this.nextSeq++,
        traceId: randomBytes(16).toString("hex").toUpperCase(),
        fingerprint: event.fingerprint,
      };
      if (event.hasData) record.data = event.data;
      return { next: record, result: { outcome: "stored", record } };
    });
  }

  /** The first event received on `bus` with this id (and source, when given). */
  find(bus: string, id: string, source?: string): EventRecord | undefined {
    if (source !== undefined) return this.store.get(keyOf(bus, source, id));
    return this.onBus(bus).find((record) => record.id === id);
  }

  /** The events on `bus` that match, oldest first. */
  query(bus: string, filter: EventFilter): EventRecord[] {
    return this.onBus(bus).filter(
      (record) =>
        record.receivedAt >= filter.startTime &&
        record.receivedAt <= filter.endTime &&
        (filter.source === undefined || record.source === filter.source) &&
        (filter.type === undefined || record.type === filter.type) &&
        (filter.subject === undefined || record.subject === filter.subject),
    );
  }

  /** Forgets every event of a deleted bus, so a new bus of that name starts empty. */
  async deleteBus(bus: string): Promise<void> {
    for (const record of this.onBus(bus)) {
      await this.store.update(keyOf(bus, record.source, record.id), () => ({
        next: undefined,
        result: undefined,
      }));
    }
  }

  private onBus(bus: string): EventRecord[] {
    return [...this.store.values()]
      .filter((record) => record.bus === bus)
      .sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
  }
}

/** One record per bus, source and id; JSON keeps the three apart whatever they hold. */
function keyOf(bus: string, source: string, id: string): string {
  return JSON.stringify([bus, source, id]);
}

/**
 * EventBridge's PutEvents in the local cloud, reached over HTTP through
 * the project's client (EventBridgeClient and its signed caller): events
 * are accepted and read back through the query API with every field; a
 * bad event fails alone, beside accepted ones; the limits (16 events, 64 KB
 * an event, 256 KB a call) hold at their edges; the same event sent again
 * is stored once, the same id with other content is refused; an unknown
 * bus refuses the call.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/cloud-api/errors.ts";
import {
  type CloudEventInput,
  EventBridgeClient,
  MAX_CALL_BYTES,
  MAX_EVENT_BYTES,
} from "../../../src/cloud-api/eventbridge-client.ts";
import type { CallRecord } from "../../../src/cloud-api/openapi-caller.ts";
import type { WireObject } from "../../../src/cloud-api/response-fields.ts";
import { apiFailureOf } from "../../support/api-failure.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../support/local-cloud.ts";

let cloud: TestCloud;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true });
  eventBridge = clientFor(cloud);
});
afterAll(() => cloud.close());

function clientFor(target: TestCloud, observer?: (call: CallRecord) => void): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: target.endpoint,
    credentials: target.credentials,
    retry: { attempts: 1 },
    observer: observer ? { before: observer } : undefined,
  });
}

async function newBus(): Promise<string> {
  const busName = uniqueName("bus");
  await eventBridge.createEventBus({ busName });
  return busName;
}

function rotationEvent(overrides: Partial<CloudEventInput> = {}): CloudEventInput {
  return {
    id: randomUUID(),
    source: "rotor",
    type: "rotor.rotation.succeeded",
    subject: "app/db",
    data: { secretName: "app/db", step: "finishSecret", durationMs: 1234 },
    ...overrides,
  };
}

/** PutEvents as any client could send it: the EventList parameter as given. */
function rawPutEvents(busName: string, eventList: string): Promise<WireObject> {
  return eventBridge.caller.call<WireObject>(
    "PutEvents",
    {},
    { body: { EventBusName: busName, EventList: eventList } },
  );
}

/** Everything the bus holds, oldest first. */
async function eventsOn(busName: string) {
  return (
    await eventBridge.queryTracedEvents({
      busName,
      startTime: 0,
      endTime: Date.now() + 60_000,
      limit: 100,
    })
  ).events;
}

/** A wire entry whose JSON is exactly `bytes` long. */
function entryOfSize(bytes: number, id: string = randomUUID()): Record<string, unknown> {
  const entry = { Id: id, Source: "rotor", Type: "rotor.test", SpecVersion: "1.0", Data: "" };
  const padding = bytes - Buffer.byteLength(JSON.stringify(entry));
  entry.Data = "x".repeat(padding);
  expect(Buffer.byteLength(JSON.stringify(entry))).toBe(bytes);
  return entry;
}

describe("PutEvents", () => {
  it("accepts CloudEvents and reads them back through QueryTracedEvents and QueryEvent with every field", async () => {
    const busName = await newBus();
    const first = rotationEvent({
      time: "2024-06-01T08:00:00Z",
      dataSchema: "https://example.com/s",
    });
    const second = rotationEvent({ type: "rotor.rotation.failed", subject: "app/api", data: null });

    const result = await eventBridge.putEvents(busName, [first, second]);

    expect(result.failedEntryCount).toBe(0);
    expect(result.requestIds).toHaveLength(1);
    expect(result.events.map((event) => [event.id, event.eventId])).toEqual([
      [first.id, first.id],
      [second.id, second.id],
    ]);
    for (const event of result.events) expect(event.traceId).toMatch(/^[0-9A-F]{32}$/);
    const traced = await eventsOn(busName);
    expect(traced.map((event) => [event.eventId, event.eventSource, event.eventType])).toEqual([
      [first.id, "rotor", "rotor.rotation.succeeded"],
      [second.id, "rotor", "rotor.rotation.failed"],
    ]);
    expect(traced[0]?.eventBusName).toBe(busName);
    expect(traced[0]?.eventReceivedTime).toBeGreaterThan(0);
    const content = await eventBridge.queryEvent({ busName, eventId: first.id });
    expect(content).toEqual({
      id: first.id,
      source: "rotor",
      type: "rotor.rotation.succeeded",
      specversion: "1.0",
      time: "2024-06-01T08:00:00Z",
      subject: "app/db",
      datacontenttype: "application/json",
      dataschema: "https://example.com/s",
      data: { secretName: "app/db", step: "finishSecret", durationMs: 1234 },
      aliyuneventbusname: busName,
      aliyunaccountid: cloud.accountId,
      aliyunregionid: cloud.region,
      aliyunpublishtime: new Date(traced[0]?.eventReceivedTime ?? 0).toISOString(),
    });
    const withNullData = await eventBridge.queryEvent({ busName, eventId: second.id });
    expect(withNullData.data).toBeNull();
  });

  it("fails a bad event alone and keeps the others, reporting each at its place", async () => {
    const busName = await newBus();
    const good = { Id: randomUUID(), Source: "rotor", Type: "rotor.ok", SpecVersion: "1.0" };
    const entries = [
      good,
      { Id: "no-type", Source: "rotor" },
      { Id: "old-spec", Source: "rotor", Type: "t", SpecVersion: "0.3" },
      { Id: "bad-time", Source: "rotor", Type: "t", Time: "yesterday" },
      { Source: "rotor", Type: "t" },
      "not an event",
      entryOfSize(MAX_EVENT_BYTES + 1, "too-big"),
    ];

    const body = await rawPutEvents(busName, JSON.stringify(entries));

    expect(body.Success).toBe(true);
    const data = body.Data as { FailedEntryCount: number; EntryList: WireObject[] };
    expect(data.FailedEntryCount).toBe(6);
    expect(data.EntryList.map((entry) => [entry.EventId, entry.ErrorCode])).toEqual([
      [good.Id, undefined],
      ["no-type", "InvalidArgument"],
      ["old-spec", "InvalidArgument"],
      ["bad-time", "InvalidArgument"],
      [undefined, "InvalidArgument"],
      [undefined, "InvalidArgument"],
      ["too-big", "EventSizeExceeded"],
    ]);
    expect(data.EntryList[1]?.ErrorMessage).toContain("Type is required");
    expect(data.EntryList[3]?.ErrorMessage).toContain("Time must be an RFC 3339 time");
    expect(data.EntryList[6]?.ErrorMessage).toContain(`at most ${MAX_EVENT_BYTES}`);
    expect((await eventsOn(busName)).map((event) => event.eventId)).toEqual([good.Id]);
  });

  it("holds the limits at their edges: 16 events and 64 KB an event pass, 17 and one byte more do not", async () => {
    const busName = await newBus();
    const sixteen = Array.from({ length: 16 }, () => entryOfSize(200));
    const biggest = entryOfSize(MAX_EVENT_BYTES);

    const accepted = await rawPutEvents(busName, JSON.stringify(sixteen));
    const acceptedBig = await rawPutEvents(busName, JSON.stringify([biggest]));
    const seventeen = await apiFailureOf(
      rawPutEvents(busName, JSON.stringify([...sixteen, entryOfSize(200)])),
    );
    const tooBig = await rawPutEvents(busName, JSON.stringify([entryOfSize(MAX_EVENT_BYTES + 1)]));

    expect((accepted.Data as WireObject).FailedEntryCount).toBe(0);
    expect((acceptedBig.Data as WireObject).FailedEntryCount).toBe(0);
    expect(seventeen).toMatchObject({ code: "InvalidParameter", statusCode: 400 });
    expect(seventeen.message).toContain("at most 16");
    expect((tooBig.Data as { EntryList: WireObject[] }).EntryList[0]?.ErrorCode).toBe(
      "EventSizeExceeded",
    );
    expect(await eventsOn(busName)).toHaveLength(17);
  });

  it("takes a call of exactly 256 KB of events and refuses one byte more, storing nothing of it", async () => {
    const busName = await newBus();
    // Four events of 60 KB and a fifth that fills the call to the byte: "[" + 5 events + 4 commas + "]".
    const four = Array.from({ length: 4 }, () => entryOfSize(60 * 1024));
    const rest = MAX_CALL_BYTES - 2 - 4 - 4 * 60 * 1024;
    const exact = JSON.stringify([...four, entryOfSize(rest)]);
    const over = JSON.stringify([...four, entryOfSize(rest + 1)]);
    expect(Buffer.byteLength(exact)).toBe(MAX_CALL_BYTES);

    const failure = await apiFailureOf(rawPutEvents(busName, over));
    expect(await eventsOn(busName)).toHaveLength(0);
    const accepted = await rawPutEvents(busName, exact);

    expect(failure).toMatchObject({ code: "InvalidParameter", statusCode: 400 });
    expect(failure.message).toContain(`at most ${MAX_CALL_BYTES}`);
    expect((accepted.Data as WireObject).FailedEntryCount).toBe(0);
    expect(await eventsOn(busName)).toHaveLength(5);
  });

  it("stores an event sent again once (a retried call), and refuses its source and id with other content", async () => {
    const busName = await newBus();
    const event = rotationEvent({ time: "2024-06-01T08:00:00Z" });
    const first = await eventBridge.putEvents(busName, [event]);

    const again = await eventBridge.putEvents(busName, [event]);
    const changed = await eventBridge.putEvents(busName, [{ ...event, type: "rotor.other" }]);
    const otherSource = await eventBridge.putEvents(busName, [
      { ...event, source: "someone-else" },
    ]);

    expect(again.failedEntryCount).toBe(0);
    expect(again.events[0]?.traceId).toBe(first.events[0]?.traceId);
    expect(changed.failedEntryCount).toBe(1);
    expect(changed.events[0]).toMatchObject({ id: event.id, errorCode: "EventIdDuplicated" });
    expect(changed.events[0]?.errorMessage).toContain("source and id together must be unique");
    expect(otherSource.failedEntryCount).toBe(0);
    expect((await eventsOn(busName)).map((traced) => traced.eventSource)).toEqual([
      "rotor",
      "someone-else",
    ]);
  });

  it("refuses a call to a bus that does not exist, and a call without events", async () => {
    const busName = await newBus();
    const missingBus = await apiFailureOf(eventBridge.putEvents("no-such-bus", [rotationEvent()]));
    const noList = await apiFailureOf(
      eventBridge.caller.call("PutEvents", {}, { body: { EventBusName: busName } }),
    );
    const notAList = await apiFailureOf(rawPutEvents(busName, '{"Id":"x"}'));
    const empty = await apiFailureOf(rawPutEvents(busName, "[]"));

    expect(missingBus).toMatchObject({ code: "EventBusNotExist", statusCode: 409 });
    expect(missingBus.message).toContain("The event bus [no-such-bus] not existed!");
    expect(noList).toMatchObject({ code: "MissingParameter", statusCode: 400 });
    expect(notAList.message).toContain("EventList is invalid: is not a JSON array");
    expect(empty.message).toContain("holds no event");
  });
});

describe("EventBridgeClient.putEvents", () => {
  it("splits 40 events into calls of at most 16 and reports every outcome in the order given", async () => {
    const busName = await newBus();
    const calls: CallRecord[] = [];
    const client = clientFor(cloud, (call) => calls.push(call));
    const events = Array.from({ length: 40 }, (_, index) =>
      rotationEvent({ subject: `s${index}` }),
    );

    const result = await client.putEvents(busName, events);

    expect(calls.map((call) => call.action)).toEqual(["PutEvents", "PutEvents", "PutEvents"]);
    expect(result.requestIds).toHaveLength(3);
    expect(result.failedEntryCount).toBe(0);
    expect(result.events.map((event) => event.eventId)).toEqual(events.map((event) => event.id));
    expect((await eventsOn(busName)).map((event) => event.eventId)).toEqual(
      events.map((event) => event.id),
    );
  });

  it("splits large events so no call passes 256 KB", async () => {
    const busName = await newBus();
    const calls: CallRecord[] = [];
    const client = clientFor(cloud, (call) => calls.push(call));
    // Ten events of about 60 KB: four fit in a call, not five.
    const events = Array.from({ length: 10 }, () =>
      rotationEvent({ data: { padding: "y".repeat(60 * 1024) } }),
    );

    const result = await client.putEvents(busName, events);

    expect(calls).toHaveLength(3);
    expect(result.failedEntryCount).toBe(0);
    expect(await eventsOn(busName)).toHaveLength(10);
  });

  it("reports what the bus refused beside what it took", async () => {
    const busName = await newBus();
    const taken = rotationEvent();
    await eventBridge.putEvents(busName, [taken]);
    const fresh = rotationEvent();

    const result = await eventBridge.putEvents(busName, [fresh, { ...taken, type: "changed" }]);

    expect(result.failedEntryCount).toBe(1);
    expect(result.events[0]).toMatchObject({ id: fresh.id, eventId: fresh.id });
    expect(result.events[0]?.errorCode).toBeUndefined();
    expect(result.events[1]).toMatchObject({ id: taken.id, errorCode: "EventIdDuplicated" });
  });

  it("refuses bad input before sending anything: a missing field, an event over 64 KB, a repeated id", async () => {
    const busName = await newBus();
    const calls: CallRecord[] = [];
    const client = clientFor(cloud, (call) => calls.push(call));
    const repeated = rotationEvent();

    const attempts = [
      client.putEvents(busName, [rotationEvent(), { ...rotationEvent(), type: "" }]),
      client.putEvents(busName, [rotationEvent({ data: "z".repeat(MAX_EVENT_BYTES) })]),
      client.putEvents(busName, [repeated, rotationEvent(), repeated]),
      client.putEvents(busName, [rotationEvent({ time: "soon" })]),
    ];
    const errors = await Promise.all(attempts.map((attempt) => attempt.catch((e: unknown) => e)));

    for (const error of errors) expect(error).toBeInstanceOf(ValidationError);
    expect((errors[0] as Error).message).toBe("event 1 has no type");
    expect((errors[1] as Error).message).toContain(`an event may have at most ${MAX_EVENT_BYTES}`);
    expect((errors[2] as Error).message).toContain("event 2 repeats source");
    expect((errors[3] as Error).message).toContain("has a bad time");
    expect(calls).toHaveLength(0);
    expect(await eventsOn(busName)).toHaveLength(0);
  });
});

/**
 * Reading events back the way a user of EventBridge does, and the buses
 * they live on, through EventBridgeClient over HTTP: QueryTracedEvents by
 * the time the bus received them (both ends included), narrowed by source,
 * type and subject, paged with NextToken; QueryEvent by id (the source is
 * required on the default bus); CreateEventBus, GetEventBus,
 * ListEventBuses and DeleteEventBus with the service's name rules, quota
 * and codes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { apiFailureOf } from "../../support/api-failure.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../support/local-cloud.ts";

/** The cloud's clock: each test sets it, so receive times are known exactly. */
let clock = Date.parse("2024-06-01T00:00:00Z");
let cloud: TestCloud;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true, now: () => clock });
  eventBridge = new EventBridgeClient({
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    retry: { attempts: 1 },
  });
});
afterAll(() => cloud.close());

async function newBus(): Promise<string> {
  const busName = uniqueName("bus");
  await eventBridge.createEventBus({ busName });
  return busName;
}

/** Publishes one event at the cloud time `at`. */
async function publishAt(
  at: number,
  busName: string,
  event: { source?: string; type?: string; subject?: string; id?: string } = {},
): Promise<string> {
  clock = at;
  const id = event.id ?? randomUUID();
  const result = await eventBridge.putEvents(busName, [
    {
      id,
      source: event.source ?? "rotor",
      type: event.type ?? "rotor.rotation.succeeded",
      subject: event.subject,
    },
  ]);
  expect(result.failedEntryCount).toBe(0);
  return id;
}

describe("QueryTracedEvents", () => {
  it("lists what the bus received in the time range, both ends included, oldest first", async () => {
    const busName = await newBus();
    const ids = [];
    for (const at of [1_000, 2_000, 3_000, 4_000]) ids.push(await publishAt(at, busName));

    const page = await eventBridge.queryTracedEvents({ busName, startTime: 2_000, endTime: 3_000 });

    expect(page.events.map((event) => [event.eventId, event.eventReceivedTime])).toEqual([
      [ids[1], 2_000],
      [ids[2], 3_000],
    ]);
    expect(page.total).toBe(2);
    expect(page.nextToken).toBeUndefined();
  });

  it("narrows by source, type and subject on the server; a matched rule matches nothing (no rules here)", async () => {
    const busName = await newBus();
    const failed = await publishAt(1_000, busName, { type: "rotor.rotation.failed", subject: "a" });
    await publishAt(1_001, busName, { type: "rotor.rotation.succeeded", subject: "a" });
    const other = await publishAt(1_002, busName, {
      source: "other",
      type: "rotor.rotation.failed",
      subject: "b",
    });
    const range = { busName, startTime: 0, endTime: 10_000 };

    const byType = await eventBridge.queryTracedEvents({
      ...range,
      eventType: "rotor.rotation.failed",
    });
    const byBoth = await eventBridge.queryTracedEvents({
      ...range,
      eventType: "rotor.rotation.failed",
      eventSource: "rotor",
    });
    const bySubject = await eventBridge.queryTracedEvents({ ...range, subject: "b" });
    const byRule = await eventBridge.caller.call<{ Data: { Total: number } }>("QueryTracedEvents", {
      EventBusName: busName,
      StartTime: 0,
      EndTime: 10_000,
      MatchedRule: "any-rule",
    });

    expect(byType.events.map((event) => event.eventId)).toEqual([failed, other]);
    expect(byBoth.events.map((event) => event.eventId)).toEqual([failed]);
    expect(bySubject.events.map((event) => event.eventId)).toEqual([other]);
    expect(byRule.Data.Total).toBe(0);
  });

  it("pages with Limit and NextToken until every event was seen once", async () => {
    const busName = await newBus();
    const ids = [];
    for (let at = 0; at < 25; at++) ids.push(await publishAt(10_000 + at, busName));

    const seen: string[] = [];
    const tokens: (string | undefined)[] = [];
    let nextToken: string | undefined;
    do {
      const page = await eventBridge.queryTracedEvents({
        busName,
        startTime: 0,
        endTime: 20_000,
        limit: 10,
        nextToken,
      });
      expect(page.total).toBe(25);
      seen.push(...page.events.map((event) => event.eventId));
      nextToken = page.nextToken;
      tokens.push(nextToken);
    } while (nextToken !== undefined);

    expect(seen).toEqual(ids);
    expect(tokens).toEqual(["10", "20", undefined]);
  });

  it("refuses a range or page it cannot serve, naming the parameter", async () => {
    const busName = await newBus();
    const query = (params: Record<string, string | number>) =>
      apiFailureOf(
        eventBridge.caller.call("QueryTracedEvents", { EventBusName: busName, ...params }),
      );

    const backwards = await query({ StartTime: 2, EndTime: 1 });
    const noStart = await query({ EndTime: 1 });
    const bigPage = await query({ StartTime: 0, EndTime: 1, Limit: 101 });
    const badToken = await query({ StartTime: 0, EndTime: 1, NextToken: "next" });
    const noBus = await apiFailureOf(
      eventBridge.queryTracedEvents({ busName: "no-such-bus", startTime: 0, endTime: 1 }),
    );

    expect(backwards.message).toContain("StartTime is invalid: is after EndTime");
    expect(noStart).toMatchObject({ code: "MissingParameter" });
    expect(noStart.message).toContain("StartTime");
    expect(bigPage.message).toContain("Limit is invalid: must be between 1 and 100");
    expect(badToken.message).toContain("NextToken is invalid");
    expect(noBus).toMatchObject({ code: "EventBusNotExist", statusCode: 409 });
  });
});

describe("QueryEvent", () => {
  it("finds an event by id, or by id and source when two sources used one id", async () => {
    const busName = await newBus();
    const id = randomUUID();
    await publishAt(1_000, busName, { id, source: "first", type: "one" });
    await publishAt(2_000, busName, { id, source: "second", type: "two" });

    const byId = await eventBridge.queryEvent({ busName, eventId: id });
    const bySource = await eventBridge.queryEvent({ busName, eventId: id, eventSource: "second" });
    const missing = await apiFailureOf(eventBridge.queryEvent({ busName, eventId: "no-such-id" }));

    expect(byId).toMatchObject({ id, source: "first", type: "one" });
    expect(bySource).toMatchObject({ id, source: "second", type: "two" });
    expect(missing).toMatchObject({ code: "EventNotExist", statusCode: 409 });
  });

  it("gives the event its receive time as its time when it was sent without one", async () => {
    const busName = await newBus();
    clock = Date.parse("2024-07-01T12:00:00.250Z");
    const id = randomUUID();
    await eventBridge.caller.call(
      "PutEvents",
      {},
      {
        body: {
          EventBusName: busName,
          EventList: JSON.stringify([{ Id: id, Source: "rotor", Type: "t" }]),
        },
      },
    );

    const event = await eventBridge.queryEvent({ busName, eventId: id });

    expect(event.time).toBe("2024-07-01T12:00:00.250Z");
    expect(event.aliyunpublishtime).toBe("2024-07-01T12:00:00.250Z");
    expect("data" in event).toBe(false);
  });

  it("on the default bus, needs the event's source, as documented", async () => {
    const id = await publishAt(1_000, "default", { source: "rotor-default-test" });

    const withoutSource = await apiFailureOf(
      eventBridge.queryEvent({ busName: "default", eventId: id }),
    );
    const withSource = await eventBridge.queryEvent({
      busName: "default",
      eventId: id,
      eventSource: "rotor-default-test",
    });

    expect(withoutSource).toMatchObject({ code: "MissingParameter" });
    expect(withoutSource.message).toContain("EventSource");
    expect(withSource.id).toBe(id);
  });
});

describe("event buses", () => {
  it("has a default bus, makes, lists by prefix and pages, and describes custom ones", async () => {
    const prefix = uniqueName("list");
    for (const suffix of ["a", "b", "c"]) {
      await eventBridge.createEventBus({
        busName: `${prefix}-${suffix}`,
        description: `bus ${suffix}`,
      });
    }

    const defaultBus = await eventBridge.getEventBus("default");
    const firstPage = await eventBridge.listEventBuses({ namePrefix: prefix, limit: 2 });
    const secondPage = await eventBridge.listEventBuses({
      namePrefix: prefix,
      limit: 2,
      nextToken: firstPage.nextToken,
    });
    const described = await eventBridge.getEventBus(`${prefix}-b`);

    expect(defaultBus.eventBusArn).toBe(
      `acs:eventbridge:${cloud.region}:${cloud.accountId}:eventbus/default`,
    );
    expect(firstPage.total).toBe(3);
    expect(
      [...firstPage.eventBuses, ...secondPage.eventBuses].map((bus) => bus.eventBusName),
    ).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect(secondPage.nextToken).toBeUndefined();
    expect(described).toMatchObject({
      eventBusName: `${prefix}-b`,
      description: "bus b",
      eventBusArn: `acs:eventbridge:${cloud.region}:${cloud.accountId}:eventbus/${prefix}-b`,
      createTimestamp: clock,
    });
  });

  it("refuses names EventBridge refuses, and a name in use", async () => {
    const taken = await newBus();
    const attempts = {
      default: "default",
      underscore: "bad_name",
      leadingHyphen: "-bus",
      reserved: "eventbridge-reserved-bus",
      tooLong: "b".repeat(128),
      taken,
    };
    const failures = Object.fromEntries(
      await Promise.all(
        Object.entries(attempts).map(async ([key, busName]) => [
          key,
          await apiFailureOf(eventBridge.createEventBus({ busName })),
        ]),
      ),
    );

    expect(failures.default).toMatchObject({ code: "EventBusAlreadyExist", statusCode: 409 });
    expect(failures.taken).toMatchObject({ code: "EventBusAlreadyExist", statusCode: 409 });
    for (const key of ["underscore", "leadingHyphen", "reserved", "tooLong"]) {
      expect(failures[key]).toMatchObject({ code: "EventBusNameInvalid", statusCode: 409 });
    }
    await expect(eventBridge.getEventBus("bad_name")).rejects.toMatchObject({
      code: "EventBusNotExist",
    });
    expect(await eventBridge.createEventBus({ busName: "b".repeat(127) })).toContain(
      "eventbus/bbb",
    );
  });

  it("deletes a custom bus with its events, so a new bus of that name starts empty; never the default bus", async () => {
    const busName = await newBus();
    await publishAt(1_000, busName);

    await eventBridge.deleteEventBus(busName);
    const gone = await apiFailureOf(eventBridge.getEventBus(busName));
    const publishToGone = await apiFailureOf(
      eventBridge.putEvents(busName, [{ id: "x", source: "rotor", type: "t" }]),
    );
    await eventBridge.createEventBus({ busName });
    const again = await eventBridge.queryTracedEvents({ busName, startTime: 0, endTime: 10_000 });
    const deleteDefault = await apiFailureOf(eventBridge.deleteEventBus("default"));

    expect(gone).toMatchObject({ code: "EventBusNotExist" });
    expect(publishToGone).toMatchObject({ code: "EventBusNotExist" });
    expect(again.total).toBe(0);
    expect(deleteDefault).toMatchObject({ code: "InvalidParameter", statusCode: 400 });
    expect((await eventBridge.getEventBus("default")).eventBusName).toBe("default");
  });

  it("holds an account to 50 custom buses", async () => {
    const own = await startTestCloud({ inMemory: true });
    try {
      const client = new EventBridgeClient({
        endpoint: own.endpoint,
        credentials: own.credentials,
        retry: { attempts: 1 },
      });
      for (let index = 0; index < 50; index++) {
        await client.createEventBus({ busName: `quota-${index}` });
      }

      const fiftyFirst = await apiFailureOf(client.createEventBus({ busName: "quota-50" }));

      expect(fiftyFirst).toMatchObject({ code: "EventBusCountExceedLimit", statusCode: 409 });
      expect((await client.listEventBuses({ limit: 100 })).total).toBe(51);
    } finally {
      await own.close();
    }
  });

  it("holds the quota when the last buses are asked for at once (state on disk, writes take time)", async () => {
    const own = await startTestCloud();
    try {
      const client = new EventBridgeClient({
        endpoint: own.endpoint,
        credentials: own.credentials,
        retry: { attempts: 1 },
      });
      for (let index = 0; index < 48; index++) {
        await client.createEventBus({ busName: `quota-${index}` });
      }

      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, index) =>
          client.createEventBus({ busName: `last-${index}` }),
        ),
      );

      const refusals = outcomes.flatMap((outcome) =>
        outcome.status === "rejected" ? [outcome.reason as { code: string }] : [],
      );
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(2);
      expect(refusals.map((refusal) => refusal.code)).toEqual(
        Array(4).fill("EventBusCountExceedLimit"),
      );
      expect((await client.listEventBuses({ limit: 100 })).total).toBe(51);
    } finally {
      await own.close();
    }
  });
});

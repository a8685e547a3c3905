/**
 * RAM decides who may publish to and read from which bus, as on the real
 * service: `eventbridge:<Action>` on `acs:eventbridge:{region}:{account}:eventbus/{name}`,
 * refused with 403 AccessDenied. A refused caller learns nothing about
 * which buses exist and stores nothing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessKeyCredentials } from "../../../src/cloud-api/credentials.ts";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { apiFailureOf } from "../../support/api-failure.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../support/local-cloud.ts";
import { accessKeyAllowedOnly } from "../../support/ram-user-key.ts";

let cloud: TestCloud;
let root: EventBridgeClient;
let busArn: (name: string) => string;
const buses = { rotor: uniqueName("rotor"), other: uniqueName("other") };

beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true });
  root = clientAs(cloud.credentials);
  busArn = (name) => `acs:eventbridge:${cloud.region}:${cloud.accountId}:eventbus/${name}`;
  await root.createEventBus({ busName: buses.rotor });
  await root.createEventBus({ busName: buses.other });
});
afterAll(() => cloud.close());

function clientAs(credentials: AccessKeyCredentials): EventBridgeClient {
  return new EventBridgeClient({ endpoint: cloud.endpoint, credentials, retry: { attempts: 1 } });
}

function anEvent() {
  return {
    id: randomUUID(),
    source: "rotor",
    type: "rotor.rotation.failed",
    data: { step: "testSecret" },
  };
}

async function countOn(busName: string): Promise<number> {
  return (await root.queryTracedEvents({ busName, startTime: 0, endTime: Date.now() + 60_000 }))
    .total;
}

describe("RAM on EventBridge", () => {
  it("lets a publisher allowed one bus publish there, and refuses it every other bus and reading", async () => {
    const publisher = clientAs(
      await accessKeyAllowedOnly(cloud, "publisher", {
        Action: "eventbridge:PutEvents",
        Resource: busArn(buses.rotor),
      }),
    );
    const before = await countOn(buses.other);

    const published = await publisher.putEvents(buses.rotor, [anEvent()]);
    const elsewhere = await apiFailureOf(publisher.putEvents(buses.other, [anEvent()]));
    const reading = await apiFailureOf(
      publisher.queryTracedEvents({ busName: buses.rotor, startTime: 0, endTime: Date.now() }),
    );

    expect(published.failedEntryCount).toBe(0);
    expect(elsewhere).toMatchObject({ code: "AccessDenied", statusCode: 403 });
    expect(elsewhere.message).toContain(`eventbridge:PutEvents on ${busArn(buses.other)}`);
    expect(reading).toMatchObject({ code: "AccessDenied", statusCode: 403 });
    expect(reading.message).toContain("eventbridge:QueryTracedEvents");
    expect(await countOn(buses.other)).toBe(before);
  });

  it("checks access before the bus: a refused caller cannot tell a missing bus from a forbidden one", async () => {
    const publisher = clientAs(
      await accessKeyAllowedOnly(cloud, "prober", {
        Action: "eventbridge:PutEvents",
        Resource: busArn(buses.rotor),
      }),
    );

    const missing = await apiFailureOf(publisher.putEvents("no-such-bus", [anEvent()]));
    const existing = await apiFailureOf(publisher.putEvents(buses.other, [anEvent()]));

    expect(missing.code).toBe("AccessDenied");
    expect(existing.code).toBe("AccessDenied");
  });

  it("lets a reader allowed the query actions read a bus, and not publish to it", async () => {
    await root.putEvents(buses.rotor, [anEvent()]);
    const reader = clientAs(
      await accessKeyAllowedOnly(cloud, "reader", {
        Action: ["eventbridge:QueryTracedEvents", "eventbridge:QueryEvent"],
        Resource: busArn(buses.rotor),
      }),
    );

    const page = await reader.queryTracedEvents({
      busName: buses.rotor,
      startTime: 0,
      endTime: Date.now() + 60_000,
    });
    const first = page.events[0];
    if (first === undefined) throw new Error("the bus holds no event");
    const content = await reader.queryEvent({ busName: buses.rotor, eventId: first.eventId });
    const publishing = await apiFailureOf(reader.putEvents(buses.rotor, [anEvent()]));

    expect(content.id).toBe(first.eventId);
    expect(publishing.code).toBe("AccessDenied");
  });

  it("lets an explicit Deny on one bus win over an Allow on every bus", async () => {
    const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const userName = uniqueName("deny");
    await ram.createUser({ userName });
    await ram.createPolicy({
      policyName: `${userName}-policy`,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          { Effect: "Allow", Action: "eventbridge:*", Resource: busArn("*") },
          { Effect: "Deny", Action: "eventbridge:PutEvents", Resource: busArn(buses.other) },
        ],
      }),
    });
    await ram.attachPolicyToUser({ policyName: `${userName}-policy`, userName });
    const key = await ram.createAccessKey({ userName });
    const user = clientAs({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret });

    const allowed = await user.putEvents(buses.rotor, [anEvent()]);
    const denied = await apiFailureOf(user.putEvents(buses.other, [anEvent()]));
    const listed = await user.listEventBuses({ limit: 100 });

    expect(allowed.failedEntryCount).toBe(0);
    expect(denied.code).toBe("AccessDenied");
    expect(listed.eventBuses.map((bus) => bus.eventBusName)).toContain(buses.other);
  });

  it("refuses managing buses without eventbridge:CreateEventBus and eventbridge:DeleteEventBus", async () => {
    const publisher = clientAs(
      await accessKeyAllowedOnly(cloud, "no-admin", {
        Action: "eventbridge:PutEvents",
        Resource: busArn("*"),
      }),
    );

    const creating = await apiFailureOf(publisher.createEventBus({ busName: uniqueName("new") }));
    const deleting = await apiFailureOf(publisher.deleteEventBus(buses.other));
    const listing = await apiFailureOf(publisher.listEventBuses());

    expect(creating.message).toContain("eventbridge:CreateEventBus");
    expect(deleting.message).toContain(`eventbridge:DeleteEventBus on ${busArn(buses.other)}`);
    expect(listing.message).toContain(`eventbridge:ListEventBuses on ${busArn("*")}`);
    expect((await root.getEventBus(buses.other)).eventBusName).toBe(buses.other);
  });
});

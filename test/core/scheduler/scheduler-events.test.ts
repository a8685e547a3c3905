/**
 * The scheduler's events on EventBridge (ROTOR_EVENT_BUS): every managed
 * secret whose last rotation is older than its policy allows is announced
 * as `rotor.rotation.overdue`, once per window however often the
 * scheduler runs (the record `rotor:overdue-reported`); a tag turning
 * rotation off as `rotor.rotation.disabled`, tags weakening it as
 * `rotor.rotation.weakened`, once each as weakening reports are. Each
 * event's fields are checked as the bus's query API returns them. The
 * template role keeps the record; a role that may not tag publishes again
 * every run, and the same event id keeps the bus at one event.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, readBusEvents } from "../../../src/cli/bus-event-reader.ts";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { ROTOR_EVENT_TYPES } from "../../../src/core/contract/rotor-events.ts";
import { OVERDUE_REPORTED_TAG } from "../../../src/core/contract/tags/report-tags.ts";
import { createSchedulerHandler } from "../../../src/core/functions/scheduler-handler.ts";
import { invokeForOutcome } from "../../deploy/support/invoke-for-outcome.ts";
import { deployAsRole, renderedPolicy, withoutAction } from "../../deploy/support/policy-proof.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BUS = "rotor";

let cloud: TestCloud;
let bus: EventBridgeClient;
const schedulerLines: string[] = [];

beforeAll(async () => {
  // The cloud's clock runs 30 days behind: every secret it stores was rotated 30 days ago.
  cloud = await startTestCloud({ now: () => Date.now() - 30 * DAY_MS });
  bus = new EventBridgeClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  await bus.createEventBus({ busName: BUS });
  // The rotation function the due secrets are sent to; only the request matters here.
  cloud.fc.deploy({ name: "rotate-generic", handler: async () => "ok" });
  cloud.fc.deploy({
    name: "scheduler",
    environment: { ROTOR_ENDPOINT: cloud.endpoint, ROTOR_EVENT_BUS: BUS },
    handler: createSchedulerHandler({ write: (line) => schedulerLines.push(line) }),
  });
});
afterAll(() => cloud?.close());

/** A managed generic secret (its only version created "30 days ago") under a prefix of the test's own. */
async function secret(prefix: string, tags: Record<string, string>): Promise<string> {
  const name = `rotor/generic/${prefix}-${randomUUID().slice(0, 8)}`;
  await cloud.kms.createSecret({
    secretName: name,
    secretData: `scheduler-events-${randomUUID()}`,
    versionId: "v1",
    tags: Object.entries({ "rotor:rotator": "generic", ...tags }).map(([key, value]) => ({
      key,
      value,
    })),
  });
  return name;
}

async function runScheduler(functionName = "scheduler"): Promise<Record<string, unknown>> {
  const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });
  expect(outcome).toMatchObject({ ok: true });
  return (outcome as { output: Record<string, unknown> }).output;
}

async function tagsOf(secretName: string): Promise<Record<string, string>> {
  const described = await cloud.kms.describeSecret({ secretName, fetchTags: true });
  return Object.fromEntries(described.tags.map((tag) => [tag.key, tag.value]));
}

/** The bus's events about one secret (its receive times are the cloud's, 30 days back). */
async function eventsOf(secretName: string): Promise<BusEvent[]> {
  const events = await readBusEvents(
    bus,
    { busName: BUS, since: Date.now() - 31 * DAY_MS, source: "rotor" },
    Date.now(),
  );
  return events.filter((event) => event.subject === secretName);
}

async function createdAt(secretName: string): Promise<number> {
  const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
  return Date.parse(versions[0]?.createTime ?? "");
}

describe("the scheduler's events", () => {
  it("announces an overdue secret once per window, and not one within its policy", async () => {
    // Prepare
    const overdue = await secret("overdue", { "rotor:interval": "7d" });
    const fine = await secret("fine", { "rotor:interval": "90d" });
    const lastRotation = await createdAt(overdue);

    // Act: two runs in the same window
    const first = await runScheduler();
    const second = await runScheduler();

    // Assess
    expect(first.overdueReported).toBeGreaterThanOrEqual(1);
    const events = await eventsOf(overdue);
    expect(events).toHaveLength(1);
    const dueAt = lastRotation + 7 * DAY_MS;
    expect(events[0]).toMatchObject({
      id: expect.stringMatching(/^overdue-[0-9a-f]{16}$/),
      source: "rotor",
      type: ROTOR_EVENT_TYPES.overdue,
      specversion: "1.0",
      subject: overdue,
      time: new Date(dueAt + HOUR_MS).toISOString(),
      datacontenttype: "application/json",
    });
    expect(events[0]?.data).toEqual({
      secretName: overdue,
      rotator: "generic",
      functionName: "rotate-generic",
      versionId: "v1",
      lastRotation: new Date(lastRotation).toISOString(),
      dueAt: new Date(dueAt).toISOString(),
      overdueAt: new Date(dueAt + HOUR_MS).toISOString(),
    });
    const tags = await cloud.kms.describeSecret({ secretName: overdue, fetchTags: true });
    expect(tags.tags.find((tag) => tag.key === OVERDUE_REPORTED_TAG)?.value).toBe(
      events[0]?.id.replace("overdue-", ""),
    );
    expect(second.overdueReported).toBe(0);
    expect(await eventsOf(fine)).toEqual([]);
  });

  it("announces a tag turning rotation off, and tags weakening it, once each", async () => {
    // Prepare
    const disabled = await secret("disabled", { "rotor:interval": "7d", "rotor:enabled": "false" });
    const weakened = await secret("weakened", { "rotor:interval": "90d", "rotor:lease": "7d" });

    // Act
    await runScheduler();
    await runScheduler();

    // Assess
    const [off] = await eventsOf(disabled);
    expect(await eventsOf(disabled)).toHaveLength(1);
    expect(off).toMatchObject({
      id: expect.stringMatching(/^weakening-[0-9a-f]{16}$/),
      source: "rotor",
      type: ROTOR_EVENT_TYPES.disabled,
      specversion: "1.0",
      subject: disabled,
      datacontenttype: "application/json",
    });
    expect(off?.data).toEqual({
      secretName: disabled,
      rotator: "generic",
      versionId: "v1",
      weakenings: [
        {
          tag: "rotor:enabled",
          value: "false",
          effect: "off",
          says: expect.stringContaining("scheduled rotation is off"),
        },
      ],
    });
    const weak = await eventsOf(weakened);
    expect(weak).toHaveLength(1);
    expect(weak[0]?.type).toBe(ROTOR_EVENT_TYPES.weakened);
    expect(weak[0]?.data).toEqual({
      secretName: weakened,
      rotator: "generic",
      versionId: "v1",
      weakenings: [
        { tag: "rotor:lease", value: "7d", effect: "bounded", says: expect.any(String) },
      ],
    });
  });

  it("gives two alike secrets (same version id, tags and age) an event each", async () => {
    // Prepare: both created with version id v1, as hand-made secrets often are.
    const tags = { "rotor:interval": "7d", "rotor:enabled": "false" };
    const first = await secret("alike", tags);
    const second = await secret("alike", tags);

    // Act
    await runScheduler();

    // Assess
    for (const name of [first, second]) {
      expect((await eventsOf(name)).map((event) => event.type)).toEqual([
        ROTOR_EVENT_TYPES.disabled,
      ]);
    }
  });

  it("with the template role, announces once and keeps its record", async () => {
    // Prepare
    const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
    const environment = { ROTOR_EVENT_BUS: BUS };
    await deployAsRole(cloud, {
      entry: "scheduler",
      functionName,
      policy: await renderedPolicy("scheduler", environment),
      environment,
    });
    const overdue = await secret("template-role", { "rotor:interval": "7d" });

    // Act
    const first = await runScheduler(functionName);
    const second = await runScheduler(functionName);

    // Assess
    expect(first.overdueReported).toBeGreaterThanOrEqual(1);
    expect(first.recordsUnwritten).toEqual([]);
    expect(second.overdueReported).toBe(0);
    expect(await tagsOf(overdue)).toHaveProperty(OVERDUE_REPORTED_TAG);
    const events = await eventsOf(overdue);
    expect(events.map((event) => event.type)).toEqual([ROTOR_EVENT_TYPES.overdue]);
  });

  it("with a role that may not tag, publishes again each run and says so: one event on the bus", async () => {
    // Prepare
    const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
    const environment = { ROTOR_EVENT_BUS: BUS };
    await deployAsRole(cloud, {
      entry: "scheduler",
      functionName,
      policy: withoutAction(await renderedPolicy("scheduler", environment), "kms:TagResource"),
      environment,
    });
    const overdue = await secret("role", { "rotor:interval": "7d" });

    // Act
    const first = await runScheduler(functionName);
    const second = await runScheduler(functionName);

    // Assess
    expect(first.overdueReported).toBeGreaterThanOrEqual(1);
    expect(second.overdueReported).toBeGreaterThanOrEqual(1);
    expect(second.recordsUnwritten).toContainEqual({
      secretName: overdue,
      tag: OVERDUE_REPORTED_TAG,
      operation: "write",
      error: "Forbidden.NoPermission",
    });
    const events = await eventsOf(overdue);
    expect(events.map((event) => event.type)).toEqual([ROTOR_EVENT_TYPES.overdue]);
  });
});

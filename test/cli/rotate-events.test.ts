/**
 * `rotor rotate` announces its rotations as the functions do: with
 * ROTOR_EVENT_BUS set in the CLI's environment, one secret and every
 * secret of a tag (an emergency after a leak) publish their CloudEvents to
 * that bus of the local cloud; unset, none is sent; a bus that refuses
 * them costs a warning line, never the rotation.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, readBusEvents } from "../../src/cli/bus-event-reader.ts";
import { main } from "../../src/cli/main.ts";
import { EventBridgeClient } from "../../src/cloud-api/eventbridge-client.ts";
import { ROTOR_EVENT_TYPES } from "../../src/core/contract/rotor-events.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";

let cloud: TestCloud;
let eventBridge: EventBridgeClient;
let busName: string;
let baseEnv: Record<string, string>;

beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true });
  eventBridge = new EventBridgeClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  busName = uniqueName("cli-events");
  await eventBridge.createEventBus({ busName });
  baseEnv = {
    ROTOR_ENDPOINT: cloud.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
  };
});
afterAll(() => cloud.close());

async function run(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function genericSecret(tags: Record<string, string> = {}): Promise<string> {
  const secretName = `rotor/generic/${uniqueName("cli-events")}`;
  await cloud.kms.createSecret({
    secretName,
    secretData: `cli-events-${randomUUID()}`,
    versionId: "v1",
    tags: Object.entries({ "rotor:rotator": "generic", ...tags }).map(([key, value]) => ({
      key,
      value,
    })),
  });
  return secretName;
}

async function eventsOf(secretName: string): Promise<BusEvent[]> {
  const events = await readBusEvents(eventBridge, {
    busName,
    since: Date.now() - 3_600_000,
    source: "rotor",
  });
  return events.filter((event) => event.subject === secretName);
}

describe("rotor rotate publishes its rotations' events", () => {
  it("one secret: started and succeeded, on the bus ROTOR_EVENT_BUS names", async () => {
    const secretName = await genericSecret();

    const result = await run(["rotate", secretName, "--json"], {
      ...baseEnv,
      ROTOR_EVENT_BUS: busName,
    });

    expect(result.code).toBe(0);
    const { versionId } = JSON.parse(result.out) as { versionId: string };
    const events = await eventsOf(secretName);
    expect(events.map((event) => event.type)).toEqual([
      ROTOR_EVENT_TYPES.started,
      ROTOR_EVENT_TYPES.succeeded,
    ]);
    expect(events[1]?.data).toMatchObject({ secretName, rotator: "generic", versionId });
  });

  it("every secret of a tag, in an emergency: each one's events", async () => {
    const team = uniqueName("team");
    const first = await genericSecret({ team });
    const second = await genericSecret({ team });

    const result = await run(["rotate", "--tag", `team=${team}`, "--emergency"], {
      ...baseEnv,
      ROTOR_EVENT_BUS: busName,
    });

    expect(result.code).toBe(0);
    for (const secretName of [first, second]) {
      const types = (await eventsOf(secretName)).map((event) => event.type);
      expect(types[0]).toBe(ROTOR_EVENT_TYPES.started);
      expect(types).toContain(ROTOR_EVENT_TYPES.succeeded);
    }
  });

  it("with no bus set, sends nothing", async () => {
    const secretName = await genericSecret();

    const result = await run(["rotate", secretName], baseEnv);

    expect(result.code).toBe(0);
    expect(await eventsOf(secretName)).toEqual([]);
  });

  it("a bus that does not exist: the rotation succeeds, one warning line says the events were not published", async () => {
    const secretName = await genericSecret();

    const result = await run(["rotate", secretName], {
      ...baseEnv,
      ROTOR_EVENT_BUS: "no-such-bus",
    });

    expect(result.code).toBe(0);
    expect(result.out).toContain("is ACSCurrent");
    expect(
      result.err.split("\n").filter((line) => line.includes("events-not-published")),
    ).toHaveLength(1);
    const current = await cloud.kms.getSecretValue({ secretName });
    expect(current.versionId).not.toBe("v1");
  });
});

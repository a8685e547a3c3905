/**
 * `rotor events` prints what a bus of the local cloud received, read
 * through EventBridge's query API: oldest first, as text lines or JSON,
 * narrowed by --since, --type and --source, the event's own fields only,
 * text the event carries scrubbed; --follow (src/cli/bin/rotor.mjs in a child
 * process, as users run it) prints each event as it arrives, once, until
 * interrupted.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { type CloudEventInput, EventBridgeClient } from "../../src/cloud-api/eventbridge-client.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";

const ROTOR_BIN = resolve(import.meta.dirname, "../../src/cli/bin/rotor.mjs");
const HOUR_MS = 3_600_000;

/** The cloud's clock offset from the real time: tests move it to publish "in the past". */
let offsetMs = 0;
let cloud: TestCloud;
let eventBridge: EventBridgeClient;
let env: Record<string, string>;

beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true, now: () => Date.now() + offsetMs });
  eventBridge = new EventBridgeClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  env = {
    ROTOR_ENDPOINT: cloud.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
  };
});
afterAll(() => cloud.close());

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function newBus(): Promise<string> {
  const busName = uniqueName("events");
  await eventBridge.createEventBus({ busName });
  return busName;
}

function event(overrides: Partial<CloudEventInput> = {}): CloudEventInput {
  return {
    id: randomUUID(),
    source: "rotor",
    type: "rotor.rotation.succeeded",
    subject: "app/db",
    time: "2024-06-01T08:00:00Z",
    data: { secretName: "app/db", step: "finishSecret" },
    ...overrides,
  };
}

async function publish(busName: string, events: CloudEventInput[]): Promise<void> {
  const result = await eventBridge.putEvents(busName, events);
  expect(result.failedEntryCount).toBe(0);
}

describe("rotor events", () => {
  it("prints each event on one line, oldest first: time, type, subject, source, id and data", async () => {
    const busName = await newBus();
    const started = event({
      type: "rotor.rotation.started",
      time: "2024-06-01T07:59:00Z",
      data: undefined,
    });
    const failed = event({
      type: "rotor.rotation.failed",
      data: { step: "setSecret", errorType: "TargetRefused" },
    });
    await publish(busName, [started]);
    await publish(busName, [failed]);

    const { code, out } = await run(["events", "--bus", busName]);

    expect(code).toBe(0);
    expect(out.split("\n")).toEqual([
      `2024-06-01T07:59:00Z  rotor.rotation.started  app/db  source=rotor  id=${started.id}`,
      `2024-06-01T08:00:00Z  rotor.rotation.failed  app/db  source=rotor  id=${failed.id}  data={"step":"setSecret","errorType":"TargetRefused"}`,
    ]);
  });

  it("prints the events' own fields as JSON with --json", async () => {
    const busName = await newBus();
    const one = event({ dataSchema: "https://example.com/rotation" });
    await publish(busName, [one]);

    const { code, out } = await run(["events", "--bus", busName, "--json"]);

    expect(code).toBe(0);
    const events = JSON.parse(out) as Record<string, unknown>[];
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      id: one.id,
      source: "rotor",
      type: "rotor.rotation.succeeded",
      specversion: "1.0",
      subject: "app/db",
      time: "2024-06-01T08:00:00Z",
      receivedTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      datacontenttype: "application/json",
      dataschema: "https://example.com/rotation",
      data: { secretName: "app/db", step: "finishSecret" },
    });
    expect(out).not.toContain(cloud.accountId);
  });

  it("narrows by --type and --source on the server, and by --since", async () => {
    const busName = await newBus();
    offsetMs = -3 * HOUR_MS;
    const old = event({ type: "rotor.rotation.failed" });
    await publish(busName, [old]);
    offsetMs = 0;
    const failed = event({ type: "rotor.rotation.failed" });
    const foreign = event({ type: "rotor.rotation.failed", source: "someone-else" });
    const succeeded = event();
    await publish(busName, [failed, foreign, succeeded]);
    const ids = async (args: string[]) => {
      const { code, out } = await run(["events", "--bus", busName, "--json", ...args]);
      expect(code).toBe(0);
      return (JSON.parse(out) as { id: string }[]).map((each) => each.id);
    };

    expect(await ids(["--since", "1h"])).toEqual([failed.id, foreign.id, succeeded.id]);
    expect(await ids(["--since", "4h"])).toEqual([old.id, failed.id, foreign.id, succeeded.id]);
    expect(await ids(["--since", new Date(Date.now() - 4 * HOUR_MS).toISOString()])).toHaveLength(
      4,
    );
    expect(await ids(["--since", "1h", "--type", "rotor.rotation.failed"])).toEqual([
      failed.id,
      foreign.id,
    ]);
    expect(
      await ids(["--since", "1h", "--type", "rotor.rotation.failed", "--source", "rotor"]),
    ).toEqual([failed.id]);
  });

  it("reads the default bus, where each event's content needs its source", async () => {
    const one = event({ source: `rotor-${randomUUID().slice(0, 8)}` });
    await publish("default", [one]);

    const { code, out } = await run(["events", "--source", one.source, "--json"]);

    expect(code).toBe(0);
    expect((JSON.parse(out) as { id: string }[]).map((each) => each.id)).toEqual([one.id]);
  });

  it("shows text the event carries scrubbed: no escape sequence, no control character, no forged line", async () => {
    const busName = await newBus();
    await publish(busName, [
      event({
        subject: "app/db\x1b[2J\n2024-01-01T00:00:00Z  rotor.rotation.succeeded  forged",
        type: "rotor.rotation.failed\u202e",
        data: { error: "denied\x1b]0;title\x07\r\nrotor: ok", padding: "p".repeat(5_000) },
      }),
    ]);

    const text = await run(["events", "--bus", busName]);
    const json = await run(["events", "--bus", busName, "--json"]);

    expect(text.code).toBe(0);
    expect(text.out.split("\n")).toHaveLength(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not reach a terminal
    expect(text.out).not.toMatch(/[\x00-\x1f\x7f\u202e]/);
    expect(text.out).toContain("…");
    expect(text.out.length).toBeLessThan(3_000);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not reach a terminal
    expect(json.out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
    const [parsed] = JSON.parse(json.out) as { subject: string; type: string }[];
    expect(parsed?.subject).toContain("\x1b[2J\n");
    expect(parsed?.type).toBe("rotor.rotation.failed\u202e");
  });

  it("says so when there is no event, and fails on a bus that does not exist or a bad flag", async () => {
    const busName = await newBus();

    const none = await run(["events", "--bus", busName]);
    const noneJson = await run(["events", "--bus", busName, "--json"]);
    const missing = await run(["events", "--bus", "no-such-bus"]);
    const badSince = await run(["events", "--since", "yesterday"]);
    const extra = await run(["events", "rotor"]);

    expect(none.code).toBe(0);
    expect(none.out).toMatch(new RegExp(`^no events on bus "${busName}" since \\d{4}-`));
    expect(JSON.parse(noneJson.out)).toEqual([]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("EventBusNotExist");
    expect(badSince.code).toBe(2);
    expect(badSince.err).toContain("--since expects an RFC 3339 time");
    expect(extra.code).toBe(2);
  });

  it("reads the bus ROTOR_EVENT_BUS names when --bus is not given", async () => {
    const busName = await newBus();
    const one = event();
    await publish(busName, [one]);

    const out: string[] = [];
    const code = await main(["events", "--json"], {
      out: (line) => out.push(line),
      err: () => {},
      env: { ...env, ROTOR_EVENT_BUS: busName },
    });

    expect(code).toBe(0);
    expect((JSON.parse(out.join("\n")) as { id: string }[]).map((each) => each.id)).toEqual([
      one.id,
    ]);
  });

  it("documents itself in --help", async () => {
    const { code, out } = await run(["events", "--help"]);

    expect(code).toBe(0);
    for (const flag of ["--bus", "--since", "--type", "--source", "--json", "--follow"]) {
      expect(out).toContain(flag);
    }
    expect(out).toContain("QueryTracedEvents");
    expect(out).toContain("ROTOR_EVENT_BUS");
    expect(out).toContain("rotor.rotation.failed");
  });
});

describe("rotor events --follow", () => {
  it("prints each event once as it arrives, until interrupted", async () => {
    const busName = await newBus();
    const before = event({ subject: "before" });
    await publish(busName, [before]);
    const child = spawn(
      process.execPath,
      [ROTOR_BIN, "events", "--bus", busName, "--since", "1h", "--json", "--follow"],
      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const received: { id: string; subject: string }[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      received.push(JSON.parse(line) as { id: string; subject: string });
      for (const wake of waiters.splice(0)) wake();
    });
    const untilReceived = async (count: number) => {
      while (received.length < count) {
        await Promise.race([
          new Promise<void>((done) => waiters.push(done)),
          exited.then(() => {
            throw new Error(`rotor events exited early: ${stderr}`);
          }),
        ]);
      }
    };
    try {
      await untilReceived(1);
      const during = event({ subject: "during" });
      await publish(busName, [during]);
      await untilReceived(2);
      const last = [event({ subject: "last-1" }), event({ subject: "last-2" })];
      await publish(busName, last);
      await untilReceived(4);

      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(received.map((each) => each.id)).toEqual([
        before.id,
        during.id,
        last[0]?.id,
        last[1]?.id,
      ]);
      expect(stderr).toContain(`following bus "${busName}"`);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

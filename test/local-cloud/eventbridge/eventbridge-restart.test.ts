/**
 * Events and buses are kept in the local cloud's state folder: they survive
 * a restart (in-process, and `rotor local-cloud` killed with SIGKILL right
 * after its answers), are read back unchanged through the query API, keep
 * their order with events received later, and lie on disk encrypted.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AccessKeyCredentials } from "../../../src/cloud-api/credentials.ts";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import { readAccount, startCliCloud } from "../support/cli-cloud.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempStateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rotor-eventbridge-state-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

function clientFor(endpoint: string, credentials: AccessKeyCredentials): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    credentials,
    retry: { attempts: 1 },
    timeoutMs: 30_000,
  });
}

async function everything(client: EventBridgeClient, busName: string) {
  const page = await client.queryTracedEvents({
    busName,
    startTime: 0,
    endTime: Date.now() + 60_000,
    limit: 100,
  });
  return Promise.all(
    page.events.map(async (traced) => ({
      traced,
      content: await client.queryEvent({ busName, eventId: traced.eventId }),
    })),
  );
}

describe("EventBridge state survives restarts", () => {
  it("keeps buses and events, read back unchanged after an in-process restart, and stays in order", async () => {
    const stateDir = await tempStateDir();
    const first = await startLocalCloud({ stateDir });
    const before = clientFor(first.endpoint, first.credentials);
    await before.createEventBus({ busName: "rotor", description: "rotation events" });
    const defaultBus = await before.getEventBus("default");
    const marker = `marker-${randomUUID()}`;
    const sent = [
      {
        id: randomUUID(),
        source: "rotor",
        type: "rotor.rotation.started",
        subject: "app/db",
        data: { marker },
      },
      {
        id: randomUUID(),
        source: "rotor",
        type: "rotor.rotation.failed",
        subject: "app/db",
        data: { step: "setSecret" },
      },
    ];
    const published = await before.putEvents("rotor", sent);
    const stored = await everything(before, "rotor");
    await first.close();

    const second = await startLocalCloud({ stateDir });
    cleanups.push(() => second.close());
    const after = clientFor(second.endpoint, first.credentials);
    const restored = await everything(after, "rotor");
    const retried = await after.putEvents("rotor", [sent[0] as (typeof sent)[0]]);
    const later = await after.putEvents("rotor", [
      { id: randomUUID(), source: "rotor", type: "rotor.rotation.succeeded" },
    ]);

    expect(restored).toEqual(stored);
    expect(restored.map((event) => event.content.data)).toEqual([
      { marker },
      { step: "setSecret" },
    ]);
    expect(await after.getEventBus("rotor")).toMatchObject({ description: "rotation events" });
    expect(await after.getEventBus("default")).toEqual(defaultBus);
    expect(retried.events[0]?.traceId).toBe(published.events[0]?.traceId);
    expect((await everything(after, "rotor")).map((event) => event.traced.eventId)).toEqual([
      ...sent.map((event) => event.id),
      later.events[0]?.eventId,
    ]);
    const files = await readdir(join(stateDir, "eventbridge"), {
      recursive: true,
      withFileTypes: true,
    });
    const contents = await Promise.all(
      files
        .filter((file) => file.isFile())
        .map((file) => readFile(join(file.parentPath, file.name))),
    );
    expect(contents.length).toBeGreaterThan(0);
    for (const content of contents) expect(content.toString("latin1")).not.toContain(marker);
  });

  it("loses no acknowledged event when `rotor local-cloud` is killed with SIGKILL", async () => {
    const stateDir = await tempStateDir();
    const cli = await startCliCloud(stateDir, ["--no-functions"]);
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await cli.stop("SIGKILL");
    });
    const account = await readAccount(stateDir);
    const credentials = {
      accessKeyId: account.accessKeyId,
      accessKeySecret: account.accessKeySecret,
    };
    const before = clientFor(cli.endpoint, credentials);
    await before.createEventBus({ busName: "rotor" });
    const ids: string[] = [];
    for (let call = 0; call < 5; call++) {
      const events = Array.from({ length: 8 }, () => ({
        id: randomUUID(),
        source: "rotor",
        type: "rotor.rotation.succeeded",
        data: { call },
      }));
      const result = await before.putEvents("rotor", events);
      expect(result.failedEntryCount).toBe(0);
      ids.push(...events.map((event) => event.id));
    }

    await cli.stop("SIGKILL");
    stopped = true;
    const restarted = await startCliCloud(stateDir, ["--no-functions"]);
    cleanups.push(() => restarted.stop("SIGKILL"));
    const after = clientFor(restarted.endpoint, credentials);

    expect((await everything(after, "rotor")).map((event) => event.traced.eventId)).toEqual(ids);
  });
});

/**
 * The scheduler says when a tag turned a secret's rotation off or weakened
 * it: one warning log line and one notification per secret and tag value,
 * not one every run. It remembers what it reported in the tag
 * `rotor:weakening-reported`, a digest of the findings and the ACSCurrent
 * version id, which whoever may only tag the secret cannot compute.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { WEAKENING_REPORTED_TAG } from "../../../src/core/contract/tags/report-tags.ts";
import { createSchedulerHandler } from "../../../src/core/functions/scheduler-handler.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

let cloud: RunningLocalCloud;
let kms: KmsClient;
let fc: FcClient;
let notify: Server;
const notifications: { event: string; secretName: string; weakenings: { tag: string }[] }[] = [];
const lines: string[] = [];

beforeAll(async () => {
  notify = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      notifications.push(JSON.parse(body));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => notify.listen(0, "127.0.0.1", resolve));
  cloud = await startLocalCloud();
  kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  cloud.fc.deploy({
    name: "scheduler",
    environment: {
      ROTOR_ENDPOINT: cloud.endpoint,
      ROTOR_NOTIFY_URL: `http://127.0.0.1:${(notify.address() as AddressInfo).port}/hook`,
      ROTOR_NOTIFY_FORMAT: "generic",
    },
    handler: createSchedulerHandler({ write: (line) => lines.push(line) }),
  });
});
afterAll(async () => {
  await cloud?.close();
  await new Promise((resolve) => notify?.close(resolve));
});

async function secret(tags: Record<string, string>): Promise<string> {
  const name = `weak/${randomUUID().slice(0, 8)}`;
  await kms.createSecret({
    secretName: name,
    secretData: `weakening-report-${randomUUID()}`,
    versionId: "v1",
    tags: Object.entries({ "rotor:rotator": "generic", "rotor:interval": "30d", ...tags }).map(
      ([key, value]) => ({ key, value }),
    ),
  });
  return name;
}

async function schedulerRun(): Promise<{ weakeningsReported: number }> {
  return JSON.parse(await fc.invokeSync("scheduler", { triggerTime: "", payload: "" }));
}

async function tagsOf(secretName: string): Promise<Record<string, string>> {
  const { tags } = await kms.describeSecret({ secretName, fetchTags: true });
  return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
}

const warningsFor = (name: string) =>
  lines.filter((line) => line.includes('"event":"scheduler.tag-weakening"') && line.includes(name));
const notified = (name: string) => notifications.filter((notice) => notice.secretName === name);

describe("the scheduler's report of weakening tags", () => {
  it("warns once per secret and tag value, however many runs see it", async () => {
    // Prepare
    const off = await secret({ "rotor:enabled": "false" });
    const capped = await secret({ "rotor:lease": "7d" });
    const untouched = await secret({});

    // Act
    const first = await schedulerRun();
    const second = await schedulerRun();

    // Assess
    expect(first.weakeningsReported).toBe(2);
    expect(second.weakeningsReported).toBe(0);
    expect(warningsFor(off)).toHaveLength(1);
    expect(JSON.parse(warningsFor(off)[0] as string)).toMatchObject({
      level: "warn",
      secret: off,
      weakenings: [{ tag: "rotor:enabled", value: "false", effect: "off" }],
    });
    expect(notified(off)).toEqual([
      expect.objectContaining({
        event: "rotation_weakened_by_tags",
        weakenings: [expect.objectContaining({ tag: "rotor:enabled" })],
      }),
    ]);
    expect(notified(capped)).toHaveLength(1);
    expect(notified(untouched)).toEqual([]);
    expect((await tagsOf(off))[WEAKENING_REPORTED_TAG]).toMatch(/^[0-9a-f]{16}$/);
    expect((await tagsOf(untouched))[WEAKENING_REPORTED_TAG]).toBeUndefined();
  });

  it("warns again when the tag's value changes, and drops its record once the tag is gone", async () => {
    // Prepare
    const name = await secret({ "rotor:lease": "7d" });
    await schedulerRun();

    // Act
    await kms.tagResource({ secretName: name, tags: [{ key: "rotor:lease", value: "2d" }] });
    await schedulerRun();
    await kms.untagResource({ secretName: name, tagKeys: ["rotor:lease"] });
    await schedulerRun();
    await schedulerRun();

    // Assess
    expect(notified(name)).toHaveLength(2);
    expect(warningsFor(name)).toHaveLength(2);
    expect((await tagsOf(name))[WEAKENING_REPORTED_TAG]).toBeUndefined();
  });

  it("a record the tagger wrote alongside the weakening tag does not silence the warning", async () => {
    // Prepare: the tagger cannot know the ACSCurrent version id the record is made from.
    const name = await secret({
      "rotor:enabled": "false",
      [WEAKENING_REPORTED_TAG]: "0123456789abcdef",
    });

    // Act
    await schedulerRun();

    // Assess
    expect(notified(name)).toHaveLength(1);
  });
});

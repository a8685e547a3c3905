/**
 * Rotation events on EventBridge, from real rotations in the local cloud:
 * the functions run as roles holding their template policy rendered for
 * the bus `rotor` (ROTOR_EVENT_BUS), and the events are read back through
 * EventBridge's query API as any user reads them. Each event type a
 * rotation function publishes (started, succeeded, failed, taken over,
 * emergency revoke done, grace period ended) is produced by a generic, a
 * MySQL (MariaDB) or a RAM AccessKey rotation, with every field checked;
 * and no event carries any value the secrets ever held.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, readBusEvents } from "../../../src/cli/bus-event-reader.ts";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { ROTOR_EVENT_TYPES } from "../../../src/core/contract/rotor-events.ts";
import { invokeForOutcome } from "../../deploy/support/invoke-for-outcome.ts";
import { deployAsRole, renderedPolicy } from "../../deploy/support/policy-proof.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../support/mariadb.ts";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "../rotators/database/database-fixtures.ts";
import { createRamUserSecret } from "../rotators/ram-access-key/ram-user-secret.ts";

const BUS = "rotor";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let cloud: TestCloud;
let bus: EventBridgeClient;
let ram: RamClient;
const since = Date.now() - 60_000;

beforeAll(async () => {
  cloud = await startTestCloud();
  const root = { endpoint: cloud.endpoint, credentials: cloud.credentials };
  bus = new EventBridgeClient(root);
  ram = new RamClient(root);
  await bus.createEventBus({ busName: BUS });
});
afterAll(() => cloud?.close());

/** Deploys functions/<entry> as a role holding its template policy rendered for the bus. */
async function deployPublishing(entry: string, environment: Record<string, string> = {}) {
  const functionName = `${entry}-${uniqueSuffix()}`;
  const env = { ROTOR_EVENT_BUS: BUS, ...environment };
  await deployAsRole(cloud, {
    entry,
    functionName,
    policy: await renderedPolicy(entry, env),
    environment: env,
  });
  return functionName;
}

/** The bus's events about one secret, oldest first. */
async function eventsOf(secretName: string): Promise<BusEvent[]> {
  const events = await readBusEvents(bus, { busName: BUS, since, source: "rotor" });
  return events.filter((event) => event.subject === secretName);
}

/** Every value any version of the secret holds, and each of its fields that holds a secret. */
async function valuesOf(secretName: string): Promise<string[]> {
  const { versions } = await cloud.kms.listSecretVersionIds({
    secretName,
    includeDeprecated: true,
  });
  const values: string[] = [];
  for (const version of versions) {
    const { secretData } = await cloud.kms.getSecretValue({
      secretName,
      versionId: version.versionId,
    });
    values.push(secretData);
    try {
      // Names, ids and hosts are not secret (a user name is in the secret's own name).
      for (const [key, field] of Object.entries(JSON.parse(secretData) as object)) {
        if (typeof field === "string" && /password|secret|private/i.test(key)) values.push(field);
      }
    } catch {
      // not JSON: the whole text is the value
    }
  }
  return values;
}

/** No event about the secret holds any of its values (or `more`), in any form. */
async function expectNoValueIn(events: BusEvent[], secretName: string, more: string[] = []) {
  const text = JSON.stringify(events);
  for (const value of [...(await valuesOf(secretName)), ...more]) {
    expect(text.includes(value), "an event holds a secret value").toBe(false);
    expect(text.includes(JSON.stringify(value).slice(1, -1))).toBe(false);
  }
}

/** The CloudEvent envelope every Rotor event has. */
function expectEnvelope(event: BusEvent | undefined, type: string, secretName: string) {
  expect(event).toMatchObject({
    id: expect.stringMatching(UUID),
    source: "rotor",
    type,
    specversion: "1.0",
    subject: secretName,
    time: expect.stringMatching(RFC_3339),
    datacontenttype: "application/json",
  });
}

const requestIds = expect.arrayContaining([expect.any(String)]);

describe("a generic rotation", () => {
  it("publishes started, then succeeded, with the versions, duration and request ids", async () => {
    // Prepare
    const functionName = await deployPublishing("rotate-generic");
    const secretName = `rotor/generic/${randomUUID()}`;
    await cloud.kms.createSecret({
      secretName,
      secretData: `initial-${randomUUID()}`,
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });

    // Act
    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const versionId = (outcome as { output: { VersionId: string } }).output.VersionId;
    const events = await eventsOf(secretName);
    expect(events.map((event) => event.type)).toEqual([
      ROTOR_EVENT_TYPES.started,
      ROTOR_EVENT_TYPES.succeeded,
    ]);
    const [started, succeeded] = events;
    expectEnvelope(started, ROTOR_EVENT_TYPES.started, secretName);
    expect(started?.data).toEqual({
      secretName,
      rotator: "generic",
      versionId,
      previousVersionId: "v1",
      emergency: false,
      durationMs: expect.any(Number),
      requestIds,
    });
    expectEnvelope(succeeded, ROTOR_EVENT_TYPES.succeeded, secretName);
    expect(succeeded?.data).toEqual({
      secretName,
      rotator: "generic",
      versionId,
      previousVersionId: "v1",
      emergency: false,
      durationMs: expect.any(Number),
      requestIds,
      steps: ["createSecret", "setSecret", "testSecret", "finishSecret"],
      resumed: false,
    });
    const startedData = started?.data as { durationMs: number; requestIds: string[] };
    const succeededData = succeeded?.data as { durationMs: number; requestIds: string[] };
    expect(succeededData.durationMs).toBeGreaterThanOrEqual(startedData.durationMs);
    // Every KMS call of the rotation, the ones before `started` among them.
    expect(succeededData.requestIds).toEqual(expect.arrayContaining(startedData.requestIds));
    expect(succeededData.requestIds.length).toBeGreaterThan(startedData.requestIds.length);
    expect(started?.id).not.toBe(succeeded?.id);
    await expectNoValueIn(events, secretName);
  });
});

describe.skipIf(skipUnlessMariaDb())("a MySQL dual-account rotation (MariaDB)", () => {
  let server: RunningMariaDb;
  const target = () => ({ engine: "mysql", server }) as TestServer;
  beforeAll(async () => {
    server = await startMariaDb();
  });
  afterAll(() => server?.stop());

  it("publishes failed with the step and error type, then taken over and succeeded", async () => {
    // Prepare: the master secret holds a wrong password, so the privileged change fails
    const functionName = await deployPublishing("rotate-mysql");
    const masterName = `rotor-master/mysql/${uniqueSuffix()}`;
    await cloud.kms.createSecret({
      secretName: masterName,
      versionId: "m1",
      secretData: JSON.stringify({
        AccountName: server.adminUser,
        AccountPassword: `wrong-${randomUUID()}`,
        engine: "mysql",
        host: server.host,
        port: server.port,
      }),
    });
    const initial = await createApplicationAccount(target(), { masterSecret: masterName });
    const secretName = `rotor/mysql/app-${uniqueSuffix()}`;
    await cloud.kms.createSecret({
      secretName,
      versionId: "v1",
      secretData: JSON.stringify(initial),
      tags: [{ key: "rotor:rotator", value: "mysql" }],
    });

    // Act: fail once, put the right master password, rotate again
    const failed = await invokeForOutcome(cloud, functionName, { SecretName: secretName });
    await createMasterSecret(cloud.kms, target(), `${masterName}-right`);
    await cloud.kms.putSecretValue({
      secretName: masterName,
      versionId: "m2",
      secretData: (await cloud.kms.getSecretValue({ secretName: `${masterName}-right` }))
        .secretData,
    });
    const rotated = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    expect(failed).toMatchObject({ ok: false });
    expect(rotated).toMatchObject({ ok: true, output: { Outcome: "rotated", Resumed: true } });
    const versionId = (rotated as { output: { VersionId: string } }).output.VersionId;
    const events = await eventsOf(secretName);
    const types = events.map((event) => event.type);
    expect(types.slice(-3)).toEqual([
      ROTOR_EVENT_TYPES.failed,
      ROTOR_EVENT_TYPES.takenOver,
      ROTOR_EVENT_TYPES.succeeded,
    ]);
    const [failure, takeover, success] = events.slice(-3);
    expectEnvelope(failure, ROTOR_EVENT_TYPES.failed, secretName);
    const failureData = failure?.data as Record<string, unknown>;
    expect(failureData).toMatchObject({
      secretName,
      rotator: "mysql",
      previousVersionId: "v1",
      versionId,
      emergency: false,
      durationMs: expect.any(Number),
      requestIds,
      step: expect.stringMatching(/^(createSecret|setSecret)$/),
      errorType: expect.stringMatching(/^[A-Za-z]+Error$/),
    });
    // Names and codes only: no message, which could quote the server.
    expect(Object.keys(failureData).sort()).toEqual(
      [
        "secretName",
        "rotator",
        "versionId",
        "previousVersionId",
        "emergency",
        "durationMs",
        "requestIds",
        "step",
        "errorType",
        ...("errorCode" in failureData ? ["errorCode"] : []),
      ].sort(),
    );
    expectEnvelope(takeover, ROTOR_EVENT_TYPES.takenOver, secretName);
    expect(takeover?.data).toEqual({
      secretName,
      rotator: "mysql",
      versionId,
      previousVersionId: "v1",
      emergency: false,
      durationMs: expect.any(Number),
      requestIds,
      writtenByRotor: true,
      leaseReleasedAfterFailure: true,
    });
    expectEnvelope(success, ROTOR_EVENT_TYPES.succeeded, secretName);
    expect(success?.data).toMatchObject({
      rotator: "mysql",
      versionId,
      previousVersionId: "v1",
      steps: ["setSecret", "testSecret", "finishSecret"],
      resumed: true,
    });
    const current = JSON.parse((await cloud.kms.getSecretValue({ secretName })).secretData) as {
      AccountName: string;
      AccountPassword: string;
    };
    expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
    await expectNoValueIn(events, secretName, [
      server.adminPassword,
      initial.AccountPassword,
      ...(await valuesOf(masterName)),
    ]);
  });
});

describe("a RAM AccessKey rotation", () => {
  it("publishes emergency revoke done, and grace period ended when its grace runs out", async () => {
    // Prepare
    const functionName = await deployPublishing("rotate-ram-access-key", {
      ROTOR_RAM_USER_PREFIXES: "rotor-",
      ROTOR_MIN_GRACE_PERIOD: "1s",
    });
    const { secretName, value } = await createRamUserSecret(
      { ram, kms: cloud.kms },
      {
        userPrefix: "rotor-",
        secretPrefix: "rotor/ram-access-key/",
        tags: { "rotor:grace-period": "1s" },
      },
    );

    // Act: a scheduled rotation, its grace ending, then an emergency
    const rotated = await invokeForOutcome(cloud, functionName, { SecretName: secretName });
    const firstVersion = (rotated as { output: { VersionId: string } }).output.VersionId;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const graceEnded = await invokeForOutcome(cloud, functionName, {
      SecretName: secretName,
      EndGracePeriod: true,
    });
    const emergency = await invokeForOutcome(cloud, functionName, {
      SecretName: secretName,
      Emergency: true,
    });

    // Assess
    expect(rotated).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    expect(graceEnded).toMatchObject({ ok: true, output: { Outcome: "grace-ended" } });
    expect(emergency).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const emergencyVersion = (emergency as { output: { VersionId: string } }).output.VersionId;
    const events = await eventsOf(secretName);
    expect(events.map((event) => event.type)).toEqual([
      ROTOR_EVENT_TYPES.started,
      ROTOR_EVENT_TYPES.succeeded,
      ROTOR_EVENT_TYPES.graceEnded,
      ROTOR_EVENT_TYPES.started,
      ROTOR_EVENT_TYPES.emergencyRevoked,
      ROTOR_EVENT_TYPES.succeeded,
    ]);
    const grace = events[2];
    expectEnvelope(grace, ROTOR_EVENT_TYPES.graceEnded, secretName);
    expect(grace?.data).toEqual({
      secretName,
      rotator: "ram-access-key",
      previousVersionId: "v1",
      versionId: firstVersion,
      durationMs: expect.any(Number),
      requestIds,
    });
    expect(events[3]?.data).toMatchObject({ emergency: true, previousVersionId: firstVersion });
    const revoke = events[4];
    expectEnvelope(revoke, ROTOR_EVENT_TYPES.emergencyRevoked, secretName);
    expect(revoke?.data).toEqual({
      secretName,
      rotator: "ram-access-key",
      versionId: emergencyVersion,
      previousVersionId: firstVersion,
      revokedVersionId: firstVersion,
      resumed: false,
      emergency: true,
      durationMs: expect.any(Number),
      requestIds,
    });
    expect(events[5]?.data).toMatchObject({ emergency: true, versionId: emergencyVersion });
    await expectNoValueIn(events, secretName, [value.AccessKeySecret]);
  });
});

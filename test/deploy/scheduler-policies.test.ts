/**
 * templates/scheduler/policy.json and templates/on-failure/policy.json are
 * sufficient and minimal: each function, running as a role with only its
 * policy, does its work; without any one action it meets
 * Forbidden.NoPermission; a secret outside the name prefix is refused.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { invokeForOutcome } from "./support/invoke-for-outcome.ts";
import {
  actionsOf,
  DENIED,
  deployAsRole,
  type PolicyDocument,
  renderedPolicy,
  templateJson,
  withoutAction,
} from "./support/policy-proof.ts";

const DAY_MS = 86_400_000;

let cloud: RunningLocalCloud;
let kms: KmsClient;
/** Events the stand-in rotation function received from the scheduler. */
const rotationRequests: unknown[] = [];

beforeAll(async () => {
  // The cloud's clock runs 30 days behind, so every secret it stores is 30
  // days old to the scheduler (which plans by the real time): a 7-day interval is due.
  cloud = await startLocalCloud({ now: () => Date.now() - 30 * DAY_MS });
  kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  // The scheduler's target; only the call reaching it matters here.
  cloud.fc.deploy({
    name: "rotate-generic",
    handler: async (event) => {
      rotationRequests.push(JSON.parse(event.toString("utf8")));
      return "ok";
    },
  });
});
afterAll(() => cloud?.close());

async function newSecret(prefix: string, tags: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}${randomUUID()}`;
  await kms.createSecret({
    secretName: name,
    secretData: `initial-${randomUUID()}`,
    versionId: "v1",
    tags: Object.entries({ "rotor:rotator": "generic", "rotor:interval": "7d", ...tags }).map(
      ([key, value]) => ({ key, value }),
    ),
  });
  return name;
}

/**
 * What went wrong in a scheduler run: an invocation error, a secret it
 * could not plan or invoke, or a report record it could not write or remove.
 */
function schedulerTrouble(outcome: Awaited<ReturnType<typeof invokeForOutcome>>): string {
  if (!outcome.ok) return outcome.errorMessage;
  const summary = outcome.output as {
    failed: unknown[];
    skipped: unknown[];
    recordsUnwritten: unknown[];
  };
  return JSON.stringify([...summary.failed, ...summary.skipped, ...summary.recordsUnwritten]);
}

/**
 * Secrets that make the scheduler write and remove its report records: one
 * whose lease tag weakens it (a `rotor:weakening-reported` record to write)
 * and one holding a record whose findings are gone (a record to remove).
 */
async function secretsWithRecordsToKeep(): Promise<{ weakened: string; stale: string }> {
  return {
    weakened: await newSecret("rotor/generic/", { "rotor:lease": "7d" }),
    stale: await newSecret("rotor/generic/", { "rotor:weakening-reported": "0000000000000000" }),
  };
}

async function tagsOf(name: string): Promise<Record<string, string>> {
  const described = await kms.describeSecret({ secretName: name, fetchTags: true });
  return Object.fromEntries(described.tags.map((tag) => [tag.key, tag.value]));
}

describe("the scheduler's RAM policy", () => {
  let policy: PolicyDocument;
  beforeAll(async () => {
    // As `rotor policy scheduler` renders it with no event bus set (its statement dropped).
    policy = await renderedPolicy("scheduler");
  });

  it("lets the scheduler plan the secrets and invoke the rotation function", async () => {
    const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, { entry: "scheduler", functionName, policy });
    const name = await newSecret("rotor/generic/");
    const { weakened, stale } = await secretsWithRecordsToKeep();

    const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });
    await cloud.fc.idle();

    expect(outcome).toMatchObject({ ok: true, output: { failed: [], recordsUnwritten: [] } });
    expect(rotationRequests).toContainEqual(expect.objectContaining({ SecretName: name }));
    expect(await tagsOf(weakened)).toHaveProperty("rotor:weakening-reported");
    expect(await tagsOf(stale)).not.toHaveProperty("rotor:weakening-reported");
  });

  it("cannot read the versions of a secret outside the name prefix", async () => {
    const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, { entry: "scheduler", functionName, policy });
    const name = await newSecret("other/");

    const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });
    await cloud.fc.idle();

    expect(schedulerTrouble(outcome)).toMatch(DENIED);
    expect(schedulerTrouble(outcome)).toContain(name);
    expect(rotationRequests).not.toContainEqual(expect.objectContaining({ SecretName: name }));
  });

  it("cannot invoke a function outside the rotate-* names", async () => {
    const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, { entry: "scheduler", functionName, policy });
    await newSecret("rotor/generic/", { "rotor:function": "admin-tool" });

    const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });

    expect(schedulerTrouble(outcome)).toMatch(DENIED);
  });

  it("needs every action it grants", async () => {
    for (const action of actionsOf(policy)) {
      // Prepare
      const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
      await deployAsRole(cloud, {
        entry: "scheduler",
        functionName,
        policy: withoutAction(policy, action),
      });
      await newSecret("rotor/generic/");
      await secretsWithRecordsToKeep();

      // Act
      const outcome = await invokeForOutcome(cloud, functionName, { payload: "" });

      // Assess
      expect(schedulerTrouble(outcome), `without ${action}`).toMatch(DENIED);
    }
  });
});

describe("the on-failure function's RAM policy", () => {
  let policy: PolicyDocument;
  beforeAll(async () => {
    policy = await templateJson<PolicyDocument>("on-failure/policy.json");
  });

  /** The record FC hands the onFailure destination after the last failed attempt. */
  const failureRecord = (secretName: string) => ({
    requestContext: { functionArn: "acs:fc:cn-hangzhou:1:functions/rotate-generic" },
    requestPayload: JSON.stringify({ SecretName: secretName }),
    responseContext: { functionError: "the target refused the new value" },
  });

  it("lets the function record the failure on the secret", async () => {
    const functionName = `on-failure-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, { entry: "on-failure", functionName, policy });
    const name = await newSecret("rotor/generic/");

    const outcome = await invokeForOutcome(cloud, functionName, failureRecord(name));

    expect(outcome).toMatchObject({ ok: true, output: { SecretName: name } });
    expect(await tagsOf(name)).toMatchObject({ "rotor:status": "failed" });
  });

  it("refuses a secret outside the name prefix", async () => {
    const functionName = `on-failure-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, { entry: "on-failure", functionName, policy });
    const name = await newSecret("other/");

    const outcome = await invokeForOutcome(cloud, functionName, failureRecord(name));

    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect(await tagsOf(name)).not.toHaveProperty("rotor:status");
  });

  it("needs every action it grants", async () => {
    for (const action of actionsOf(policy)) {
      const functionName = `on-failure-${randomUUID().slice(0, 8)}`;
      await deployAsRole(cloud, {
        entry: "on-failure",
        functionName,
        policy: withoutAction(policy, action),
      });
      const name = await newSecret("rotor/generic/");

      const outcome = await invokeForOutcome(cloud, functionName, failureRecord(name));

      expect(outcome, `without ${action}`).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });
    }
  });
});

/**
 * Attack 7: a principal that may only tag (kms:TagResource) secrets it
 * cannot read weakens their rotation without any network of its own:
 * `rotor:length=8` with every class excluded made the next value
 * `--------`; `rotor:lease=7d` with a failing webhook blocked emergencies for
 * a week; `rotor:enabled=false` stopped rotation silently;
 * `rotor:revoke-pending` forced revokes; `rotor:grace-period` cut the
 * previous value's grace short.
 *
 * Each case runs with the functions as the templates' roles and again with
 * root credentials: the code, not only the policies, must stop it. Each
 * asserts what the victim's credentials and secrets look like afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { WEAKENING_REPORTED_TAG } from "../../src/core/contract/tags/report-tags.ts";
import { createRamUserSecret } from "../core/rotators/ram-access-key/ram-user-secret.ts";
import { type RogueServer, startRogueServer } from "../support/rogue-http-server.ts";
import {
  EVERY_CREDENTIALS,
  type SecurityWorld,
  startSecurityWorld,
} from "./support/security-world.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Added to the local cloud's clock: versions it stores look older to the functions. */
let cloudClockOffset = 0;
let world: SecurityWorld;
let tagger: KmsClient;
let ram: RamClient;
/** The team's own webhook receiver, an origin its deployment lists. */
let receiver: RogueServer;

beforeAll(async () => {
  world = await startSecurityWorld({ now: () => Date.now() + cloudClockOffset });
  receiver = await startRogueServer();
  ram = new RamClient({ endpoint: world.cloud.endpoint, credentials: world.cloud.credentials });
  tagger = await world.attacker({
    Action: "kms:TagResource",
    Resource: "acs:kms:*:*:secret/rotor/*",
  });
}, 120_000);
afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

async function tag(secretName: string, tags: Record<string, string>): Promise<void> {
  await tagger.tagResource({
    secretName,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });
}

async function genericSecret(tags: Record<string, string> = {}): Promise<string> {
  const name = `rotor/generic/team-b/app-${randomUUID().slice(0, 8)}`;
  await world.kms.createSecret({
    secretName: name,
    secretData: JSON.stringify({
      AccountName: "app",
      AccountPassword: randomBytes(16).toString("hex"),
    }),
    versionId: "v1",
    tags: Object.entries({ "rotor:rotator": "generic", ...tags }).map(([key, value]) => ({
      key,
      value,
    })),
  });
  return name;
}

/** Whether an AccessKey still signs requests: "authenticates", or the error code. */
async function probe(key: { AccessKeyId: string; AccessKeySecret: string }): Promise<string> {
  try {
    await new StsClient({
      endpoint: world.cloud.endpoint,
      credentials: { accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret },
      retry: { attempts: 1 },
    }).getCallerIdentity();
    return "authenticates";
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

async function valueAt(secretName: string, versionStage = "ACSCurrent") {
  const secret = await world.kms.getSecretValue({ secretName, versionStage });
  return {
    versionId: secret.versionId,
    ...(JSON.parse(secret.secretData) as {
      AccessKeyId: string;
      AccessKeySecret: string;
      AccountPassword: string;
    }),
  };
}

describe.each(EVERY_CREDENTIALS)("attack 7 with the functions on %s", (credentials) => {
  it("rotor:length=8 with every class but one character excluded: refused, unchanged, announced; length=8 alone is raised", async () => {
    // Prepare
    const functionName = await world.deploy("rotate-generic", credentials);
    const excluded = await genericSecret();
    const short = await genericSecret();
    const before = await world.state(excluded);
    await tag(excluded, {
      "rotor:length": "8",
      "rotor:exclude-lowercase": "true",
      "rotor:exclude-uppercase": "true",
      "rotor:exclude-numbers": "true",
      "rotor:exclude-characters": "!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~ ",
    });
    await tag(short, { "rotor:length": "8" });
    const announced = world.notifications.length;

    // Act
    await world.invokeAsync(functionName, { SecretName: excluded });
    await world.invokeAsync(functionName, { SecretName: short });

    // Assess
    const after = await world.state(excluded);
    expect(after.versions).toEqual(before.versions);
    expect(after.data).toBe(before.data);
    expect(world.notifications.slice(announced)).toMatchObject([
      { secretName: excluded, error: expect.stringContaining("ROTOR_PASSWORD_MIN_CLASSES") },
    ]);
    const password = (await valueAt(short)).AccountPassword;
    expect(password).toHaveLength(20);
    expect([/[a-z]/, /[A-Z]/, /[0-9]/].every((pattern) => pattern.test(password))).toBe(true);
  });

  it("rotor:lease=7d and a failing webhook: an emergency takes the rotation over once ROTOR_MAX_LEASE has passed", async () => {
    // Prepare: the team's deployment and webhook; the tagger lengthens the lease.
    const functionName = await world.deploy("rotate-generic", credentials, {
      ROTOR_WEBHOOK_ORIGINS: receiver.origin,
    });
    const keySecret = `rotor-master/generic/${randomUUID().slice(0, 8)}`;
    await world.kms.createSecret({
      secretName: keySecret,
      secretData: randomUUID(),
      versionId: "v1",
    });
    const name = await genericSecret({
      "rotor:webhook-url": `${receiver.origin}/rotate`,
      "rotor:webhook-key-secret": keySecret,
      "rotor:webhook-attempts": "1",
    });
    await tag(name, { "rotor:lease": "7d" });
    receiver.answer({ status: 503, json: { ok: false } });
    // The failing rotation's pending version is stored 61 minutes "ago".
    cloudClockOffset = -61 * MINUTE_MS;
    await world.invokeAsync(functionName, { SecretName: name });
    cloudClockOffset = 0;
    receiver.answer({ status: 200, json: { ok: true } });
    const leaked = await valueAt(name);

    // Act
    const emergency = await world.invoke(functionName, { SecretName: name, Emergency: true });

    // Assess
    expect(emergency).toEqual({ ok: true });
    expect((await valueAt(name)).AccountPassword).not.toBe(leaked.AccountPassword);
  });

  it("rotor:enabled=false stops scheduled rotation, but not silently: the scheduler reports it", async () => {
    // Prepare: a secret due for rotation (its value is 30 days old).
    cloudClockOffset = -30 * DAY_MS;
    const name = await genericSecret({ "rotor:interval": "7d" });
    cloudClockOffset = 0;
    const before = await world.state(name);
    await tag(name, { "rotor:enabled": "false" });
    const scheduler = await world.deploy("scheduler", credentials);
    const announced = world.notifications.length;

    // Act
    await world.invoke(scheduler, { triggerTime: "", payload: "" });
    await world.invoke(scheduler, { triggerTime: "", payload: "" });
    await world.cloud.fc.idle();

    // Assess
    expect((await world.state(name)).versionId).toBe(before.versionId);
    const reports = world.notifications
      .slice(announced)
      .filter((notice) => notice.secretName === name);
    expect(reports[0]).toMatchObject({
      event: "rotation_weakened_by_tags",
      weakenings: [{ tag: "rotor:enabled", value: "false", effect: "off" }],
    });
    // The template's role may tag too: it records what it reported, so once, not every run.
    expect(reports).toHaveLength(1);
    expect((await world.state(name)).tags[WEAKENING_REPORTED_TAG]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("rotor:revoke-pending naming ACSCurrent does not turn a scheduled rotation into an emergency revoke", async () => {
    // Prepare: a RAM user's key, rotated once; the tagger marks ACSCurrent as leaked.
    const functionName = await world.deploy("rotate-ram-access-key", credentials);
    const { secretName } = await createRamUserSecret(
      { ram, kms: world.kms },
      { userPrefix: "rotor-", secretPrefix: "rotor/ram-access-key/team-b/" },
    );
    await world.invokeAsync(functionName, { SecretName: secretName });
    const current = await valueAt(secretName);
    await tag(secretName, { "rotor:revoke-pending": current.versionId });

    // Act
    await world.invokeAsync(functionName, { SecretName: secretName });

    // Assess: the rotation happened, and the previous key keeps its grace period.
    expect((await valueAt(secretName)).AccessKeyId).not.toBe(current.AccessKeyId);
    expect((await valueAt(secretName, "ACSPrevious")).AccessKeyId).toBe(current.AccessKeyId);
    expect(await probe(current)).toBe("authenticates");
    expect((await world.state(secretName)).tags["rotor:revoke-pending"]).toBeUndefined();
  });

  it("rotor:grace-period=1s does not end the previous key's grace before ROTOR_MIN_GRACE_PERIOD", async () => {
    // Prepare
    const functionName = await world.deploy("rotate-ram-access-key", credentials);
    const { secretName } = await createRamUserSecret(
      { ram, kms: world.kms },
      { userPrefix: "rotor-", secretPrefix: "rotor/ram-access-key/team-b/" },
    );
    await world.invokeAsync(functionName, { SecretName: secretName });
    const previous = await valueAt(secretName, "ACSPrevious");
    await tag(secretName, { "rotor:grace-period": "1s" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const scheduler = await world.deploy("scheduler", credentials);

    // Act
    await world.invoke(scheduler, { triggerTime: "", payload: "" });
    await world.cloud.fc.idle();
    const direct = await world.invoke(functionName, {
      SecretName: secretName,
      EndGracePeriod: true,
    });

    // Assess
    expect(direct).toEqual({ ok: true });
    expect(await probe(previous)).toBe("authenticates");
    expect((await world.state(secretName)).tags["rotor:grace-ended"]).toBeUndefined();
  });
});

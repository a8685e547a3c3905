/**
 * The function role's STS credentials expire in the middle of a rotation.
 *
 * Function Compute hands a function its role's temporary keys
 * (context.credentials, with a security token) and they expire; an FC
 * instance may get them long before an invocation, so a rotation can start
 * with keys that die before it ends. Here the rotation function runs on the
 * local Function Compute as a RAM role, and the local cloud's clock jumps
 * past the keys' expiry right after a chosen KMS call: the next KMS call is
 * refused as the real cloud refuses it (InvalidSecurityToken.Expired).
 *
 * What must hold: the invocation fails with that code and no secret in the
 * error or the logs; the secret stays consistent (one ACSCurrent, which the
 * target accepts); an immediate retry with fresh keys is refused by the
 * rotation lock rather than starting over; and once the lease of the failed
 * invocation has run out, the next invocation takes the rotation over with
 * the same pending value and completes it.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import {
  DEFAULT_ENGINE_CONFIG,
  LAST_FAILURE_TAG,
} from "../../src/core/contract/tags/engine-tags.ts";
import { createRotationHandler } from "../../src/core/functions/create-rotation-handler.ts";
import { genericRotator } from "../../src/core/rotators/generic/generic-rotator.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import type { FcCredentials } from "../../src/local-cloud/fc/local-function.ts";
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from "../core/rotators/generic/webhook-receiver.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";

/** FC's role keys last an hour (the local FC asks for the default 3600 s). */
const PAST_EXPIRY_MS = 61 * 60 * 1000;

/** The cloud's clock: real time plus a jump the test makes. */
let cloudSkewMs = 0;
/** The function's clock, moved separately to model "the next invocation comes later". */
let functionSkewMs = 0;
/** Jump the cloud clock right after the `count`-th successful `action`. */
let expireAfter: { action: string; count: number } | undefined;
let seen = 0;

let cloud: TestCloud;
let fc: FcClient;
let receiver: WebhookReceiver;
let webhookKey: string;
let webhookKeySecret: string;
const functionName = uniqueName("rotate-generic-sts");
const logLines: string[] = [];
/** The keys FC handed each invocation, to look for them in errors and logs. */
const handedCredentials: FcCredentials[] = [];

beforeAll(async () => {
  cloud = await startTestCloud({
    inMemory: true,
    now: () => Date.now() + cloudSkewMs,
    // Runs once the answer is sent and before the caller can send its next request.
    log(line) {
      if (!expireAfter || !line.startsWith(`${expireAfter.action} 200 `)) return;
      seen += 1;
      if (seen === expireAfter.count) {
        cloudSkewMs += PAST_EXPIRY_MS;
        expireAfter = undefined;
      }
    },
  });
  const root = { endpoint: cloud.endpoint, credentials: cloud.credentials };
  fc = new FcClient({ ...root, timeoutMs: 120_000 });
  webhookKey = randomBytes(32).toString("hex");
  receiver = await startWebhookReceiver(webhookKey);
  webhookKeySecret = uniqueName("sts-expiry/webhook-key");
  await cloud.kms.createSecret({
    secretName: webhookKeySecret,
    secretData: webhookKey,
    versionId: "v1",
  });

  const ram = new RamClient(root);
  const roleName = uniqueName("rotate-generic");
  await ram.createRole({
    roleName,
    assumeRolePolicyDocument: JSON.stringify({
      Version: "1",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } },
      ],
    }),
  });
  await ram.createPolicy({
    policyName: roleName,
    policyDocument: JSON.stringify({
      Version: "1",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "acs:kms:*:*:secret/sts-expiry/*" },
        { Effect: "Allow", Action: "kms:GetRandomPassword", Resource: "*" },
      ],
    }),
  });
  await ram.attachPolicyToRole({ roleName, policyName: roleName });

  // What functions/rotate-generic exports, with the function's clock made movable.
  const handler = createRotationHandler({
    rotators: [genericRotator],
    write: (line) => logLines.push(line),
    kms: { endpoint: cloud.endpoint, retry: { baseDelayMs: 20, maxDelayMs: 200 } },
    now: () => Date.now() + functionSkewMs,
  });
  cloud.fc.deploy({
    name: functionName,
    role: roleName,
    timeoutSeconds: 120,
    // The function's deployment lets it call this receiver.
    environment: { ROTOR_WEBHOOK_ORIGINS: receiver.origin },
    handler: (event, context) => {
      handedCredentials.push(context.credentials);
      return handler(JSON.parse(event.toString("utf8")), context);
    },
  });
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await cloud?.close();
});

function passwordOf(secretData: string): string {
  return (JSON.parse(secretData) as { AccountPassword: string }).AccountPassword;
}

async function createWebhookSecret(): Promise<{ secretName: string; firstValue: string }> {
  const secretName = uniqueName("sts-expiry/app");
  const firstValue = JSON.stringify({
    AccountName: "app",
    AccountPassword: randomBytes(18).toString("base64url"),
  });
  // The webhook is sent the rotated field alone.
  receiver.accepted.add(passwordOf(firstValue));
  await cloud.kms.createSecret({
    secretName,
    secretData: firstValue,
    versionId: "v1",
    tags: [
      { key: "rotor:rotator", value: "generic" },
      { key: "rotor:webhook-url", value: receiver.url },
      { key: "rotor:webhook-key-secret", value: webhookKeySecret },
    ],
  });
  return { secretName, firstValue };
}

async function stages(secretName: string) {
  const { versions } = await cloud.kms.listSecretVersionIds({
    secretName,
    includeDeprecated: true,
  });
  const holders = (stage: string) =>
    versions.filter((v) => v.versionStages.includes(stage)).map((v) => v.versionId);
  return {
    current: holders("ACSCurrent"),
    previous: holders("ACSPrevious"),
    pending: holders("ACSPending"),
    versions: versions.map((v) => v.versionId),
  };
}

/** Invokes the function through the FC API; a failure comes back as FC's error record. */
async function invoke(secretName: string) {
  const before = cloud.fc.invocations().length;
  try {
    const output = JSON.parse(await fc.invokeSync(functionName, { SecretName: secretName })) as {
      Outcome: string;
      Resumed: boolean;
      VersionId: string;
    };
    return { ok: true as const, output };
  } catch (error) {
    const record = cloud.fc.invocations()[before];
    return {
      ok: false as const,
      code: (error as { code?: string }).code,
      errorMessage: record?.errorMessage ?? "",
    };
  }
}

/** What an invocation left, as FC reports it; throws if it succeeded. */
function failureOf(result: Awaited<ReturnType<typeof invoke>>) {
  if (result.ok) throw new Error(`the invocation succeeded: ${JSON.stringify(result.output)}`);
  return result;
}

describe("the function role's STS credentials expire mid-rotation", () => {
  it.each([
    {
      point: "between createSecret and setSecret",
      expireAfter: { action: "PutSecretValue", count: 1 },
      leftCurrent: "v1",
      leftPrevious: [],
      retry: "refused until the lease ends",
    },
    {
      point: "inside finishSecret, after ACSPrevious moved",
      expireAfter: { action: "UpdateSecretVersionStage", count: 1 },
      leftCurrent: "v1",
      leftPrevious: ["v1"],
      retry: "refused until the lease ends",
    },
    {
      point: "inside finishSecret, after ACSCurrent moved (the commit point)",
      expireAfter: { action: "UpdateSecretVersionStage", count: 2 },
      leftCurrent: "pending",
      leftPrevious: ["v1"],
      retry: "finishes at once",
    },
  ] as const)(
    "$point: refused with InvalidSecurityToken.Expired, nothing secret said, the secret consistent; a retry with fresh keys $retry and completes the rotation",
    async ({ expireAfter: point, leftCurrent, leftPrevious, retry }) => {
      // Prepare
      const { secretName, firstValue } = await createWebhookSecret();
      functionSkewMs = cloudSkewMs; // the function's clock agrees with the cloud's
      seen = 0;
      expireAfter = { ...point };
      const logsBefore = logLines.length;

      // Act: the first invocation meets the expiry
      const failed = failureOf(await invoke(secretName));
      const left = await stages(secretName);
      const currentLeft = await cloud.kms.getSecretValue({ secretName });
      const tagsLeft = (await cloud.kms.describeSecret({ secretName, fetchTags: true })).tags;

      // Assess: refused with the real code, and nothing secret in the error or the logs
      expect(expireAfter, "the clock jumped").toBeUndefined();
      expect(failed.code).toBe("UnhandledInvocationError");
      expect(failed.errorMessage).toMatch(
        /^ApiError: (GetSecretValue|UpdateSecretVersionStage) failed: InvalidSecurityToken\.Expired: /,
      );
      const pendingId = left.pending[0];
      expect(left.pending, "the failed invocation left its pending value").toHaveLength(1);
      const pendingValue = (
        await cloud.kms.getSecretValue({ secretName, versionId: pendingId as string })
      ).secretData;
      const keys = handedCredentials.at(-1);
      const secrets = [
        firstValue,
        pendingValue,
        JSON.parse(pendingValue).AccountPassword as string,
        JSON.parse(firstValue).AccountPassword as string,
        webhookKey,
        keys?.accessKeySecret ?? "missing",
        keys?.securityToken ?? "missing",
      ];
      const said = [failed.errorMessage, ...logLines.slice(logsBefore)].join("\n");
      for (const secret of secrets) expect(said).not.toContain(secret);
      // Assess: one ACSCurrent, which the target accepts
      expect(left.current).toEqual([leftCurrent === "v1" ? "v1" : pendingId]);
      expect(left.previous).toEqual(leftPrevious);
      expect(receiver.accepted.has(passwordOf(currentLeft.secretData))).toBe(true);
      // Recording the failure on the secret takes a KMS call the expired keys can't make.
      expect(tagsLeft.map((tag) => tag.key)).not.toContain(LAST_FAILURE_TAG);

      // Act: FC (or the scheduler) retries at once, with fresh keys
      const retried = await invoke(secretName);
      // Act: once the failed invocation's lease has run out, the next invocation
      functionSkewMs = cloudSkewMs + DEFAULT_ENGINE_CONFIG.leaseMs;
      cloudSkewMs = functionSkewMs;
      const later = retried.ok ? undefined : await invoke(secretName);

      // Assess: the retry never starts over, and the rotation completes with the pending value
      if (retry === "finishes at once") {
        expect(retried).toMatchObject({
          ok: true,
          output: { Outcome: "already-current", VersionId: pendingId, Resumed: true },
        });
      } else {
        expect(failureOf(retried).errorMessage).toMatch(
          /^RotationInProgressError: .*lease runs until .*a new invocation resumes it/,
        );
        expect(later).toMatchObject({
          ok: true,
          output: { Outcome: "rotated", VersionId: pendingId, Resumed: true },
        });
      }
      const done = await stages(secretName);
      const previous = await cloud.kms.getSecretValue({ secretName, versionStage: "ACSPrevious" });
      const current = await cloud.kms.getSecretValue({ secretName });
      expect(done).toMatchObject({ current: [pendingId], previous: ["v1"], pending: [] });
      expect(current.secretData).toBe(pendingValue);
      expect(previous.secretData).toBe(firstValue);
      expect(receiver.accepted.has(passwordOf(current.secretData))).toBe(true);
      expect(receiver.accepted.has(passwordOf(previous.secretData))).toBe(true);
    },
    120_000,
  );
});

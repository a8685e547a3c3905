/**
 * Duration grace periods end on time, not at the next rotation: the
 * scheduler function asks a secret's rotation function to end the grace
 * period once it has passed, the RAM AccessKey rotator sets the previous
 * key Inactive, and the engine records it so later runs leave it alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../../src/cloud-api/errors.ts";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../src/cloud-api/sts-client.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { graceEndings } from "../../../src/core/scheduler/grace-endings.ts";
import type { PlanEntry } from "../../../src/core/scheduler/plan.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import { functionModule } from "../../../src/local-cloud/fc/local-function.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";
import { createRamUserSecret } from "../rotators/ram-access-key/ram-user-secret.ts";

describe("which grace periods a scheduler run ends", () => {
  const now = Date.parse("2024-06-10T00:00:00Z");
  const entry = (name: string, extra: Partial<PlanEntry>): PlanEntry => ({
    secretName: name,
    rotator: "ram-access-key",
    functionName: "rotate-ram-access-key",
    lastRotation: now - 86_400_000,
    nextRotation: undefined,
    status: "unscheduled",
    reason: "",
    tags: {},
    weakenings: [],
    ...extra,
  });

  it("those passed and not yet ended, of secrets not due for rotation, each with a stable task id", () => {
    // Prepare
    const plan = [
      entry("passed", { grace: { previousVersionId: "p1", endsAt: now - 1, ended: false } }),
      entry("exactly-now", { grace: { previousVersionId: "p2", endsAt: now, ended: false } }),
      entry("running", { grace: { previousVersionId: "p3", endsAt: now + 1, ended: false } }),
      entry("ended", { grace: { previousVersionId: "p4", endsAt: now - 1, ended: true } }),
      entry("due", {
        status: "due",
        grace: { previousVersionId: "p5", endsAt: now - 1, ended: false },
      }),
      entry("no-grace", {}),
    ];

    // Act
    const first = graceEndings(plan, now);
    const second = graceEndings(plan, now + 3_600_000);

    // Assess
    expect(first.map((invocation) => invocation.secretName)).toEqual(["passed", "exactly-now"]);
    expect(first[0]?.event).toEqual({ SecretName: "passed", EndGracePeriod: true });
    expect(first[0]?.functionName).toBe("rotate-ram-access-key");
    expect(second.slice(0, 2).map((invocation) => invocation.taskId)).toEqual(
      first.map((invocation) => invocation.taskId),
    );
    expect(new Set(first.map((invocation) => invocation.taskId)).size).toBe(2);
  });
});

describe("timer → scheduler → RAM AccessKey function ending a grace period", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let ram: RamClient;
  let fc: FcClient;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    const root = { endpoint: cloud.endpoint, credentials: cloud.credentials };
    kms = new KmsClient(root);
    ram = new RamClient(root);
    fc = new FcClient({ ...root, timeoutMs: 60_000 });
    // Grace periods of a second, so the tests need not wait an hour: the floor is lowered to match.
    const environment = { ROTOR_ENDPOINT: cloud.endpoint, ROTOR_MIN_GRACE_PERIOD: "1s" };
    cloud.fc.deploy({
      name: "scheduler",
      environment,
      handler: functionModule("../../../functions/scheduler/index.ts"),
    });
    cloud.fc.deploy({
      name: "on-failure",
      environment,
      handler: functionModule("../../../functions/on-failure/index.ts"),
    });
    cloud.fc.deploy({
      name: "scheduler-one-hour-floor",
      environment: { ...environment, ROTOR_MIN_GRACE_PERIOD: "1h" },
      handler: functionModule("../../../functions/scheduler/index.ts"),
    });
    cloud.fc.deploy({
      name: "rotate-ram-access-key",
      environment,
      async: { maxRetries: 0, onFailure: "on-failure" },
      handler: functionModule("../../../functions/rotate-ram-access-key/index.ts"),
    });
  });
  afterAll(() => cloud?.close());

  /** A user whose key is in a secret with `gracePeriod`, rotated once through the function. */
  async function rotatedUser(gracePeriod: string) {
    const { userName, secretName, value } = await createRamUserSecret(
      { ram, kms },
      { userPrefix: "grace-", secretPrefix: "ram/", tags: { "rotor:grace-period": gracePeriod } },
    );
    await fc.invokeSync("rotate-ram-access-key", { SecretName: secretName });
    const firstKey = { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret };
    return { userName, secretName, firstKey };
  }

  async function probe(credentials: { accessKeyId: string; accessKeySecret: string }) {
    try {
      await new StsClient({
        endpoint: cloud.endpoint,
        credentials,
        retry: { attempts: 1 },
      }).getCallerIdentity();
      return "authenticates";
    } catch (error) {
      return error instanceof ApiError ? error.code : String(error);
    }
  }

  async function tagsOf(secretName: string) {
    const { tags } = await kms.describeSecret({ secretName, fetchTags: true });
    return Object.fromEntries(tags.map((tag) => [tag.key, tag.value]));
  }

  async function runSchedulerFunction(functionName = "scheduler") {
    const summary = JSON.parse(
      await fc.invokeSync(functionName, {
        triggerTime: "",
        triggerName: "every-hour",
        payload: "",
      }),
    ) as { graceEndings: number; failed: unknown[] };
    await cloud.fc.idle();
    return summary;
  }

  it("sets the previous key Inactive once its grace has passed, once, and leaves a running one alone", async () => {
    // Prepare
    const short = await rotatedUser("1s");
    const long = await rotatedUser("12h");
    const previousVersion = (
      await kms.listSecretVersionIds({ secretName: short.secretName })
    ).versions.find((version) => version.versionStages.includes("ACSPrevious"))?.versionId;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let the 1s grace pass

    // Act
    const first = await runSchedulerFunction();
    const second = await runSchedulerFunction();

    // Assess
    expect(first).toMatchObject({ graceEndings: 1, failed: [] });
    expect(second).toMatchObject({ graceEndings: 0, failed: [] });
    expect(await probe(short.firstKey)).toBe("InvalidAccessKeyId.Inactive");
    expect((await tagsOf(short.secretName))["rotor:grace-ended"]).toBe(previousVersion);
    expect(await probe(long.firstKey)).toBe("authenticates");
    expect((await tagsOf(long.secretName))["rotor:grace-ended"]).toBeUndefined();
    const current = JSON.parse(
      (await kms.getSecretValue({ secretName: short.secretName })).secretData,
    );
    expect(
      await probe({ accessKeyId: current.AccessKeyId, accessKeySecret: current.AccessKeySecret }),
    ).toBe("authenticates");
  }, 120_000);

  it("leaves a grace period shorter than the scheduler's ROTOR_MIN_GRACE_PERIOD running", async () => {
    // Prepare
    const short = await rotatedUser("1s");
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the tag's 1s has passed

    // Act
    const summary = await runSchedulerFunction("scheduler-one-hour-floor");

    // Assess
    expect(summary).toMatchObject({ graceEndings: 0, failed: [] });
    expect(await probe(short.firstKey)).toBe("authenticates");
    expect((await tagsOf(short.secretName))["rotor:grace-ended"]).toBeUndefined();
  }, 120_000);

  it("records a grace ending that fails on the secret, saying what failed", async () => {
    // Prepare: the user vanishes after the rotation, so the previous key cannot be reached.
    const gone = await rotatedUser("1s");
    for (const key of await ram.listAccessKeys({ userName: gone.userName })) {
      await ram.deleteAccessKey({ userName: gone.userName, accessKeyId: key.accessKeyId });
    }
    await ram.deleteUser({ userName: gone.userName });
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Act
    const summary = await runSchedulerFunction();
    await cloud.fc.idle();

    // Assess
    expect(summary.graceEndings).toBeGreaterThanOrEqual(1);
    const tags = await tagsOf(gone.secretName);
    expect(tags["rotor:status"]).toBe("failed");
    expect(tags["rotor:last-error"]).toContain("ending the grace period of ACSPrevious failed");
    expect(tags["rotor:last-error"]).toContain(gone.userName);
    expect(tags["rotor:grace-ended"]).toBeUndefined();
  }, 120_000);
});

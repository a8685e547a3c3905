/**
 * A scheduler run whose requests FC refuses (an unknown `rotor:function`, a
 * function the scheduler's role may not invoke), or whose every request
 * fails, ends as a failure: the scheduler function throws an error naming
 * each secret and announces it once on the webhook. A few requests still
 * throttled after their retries, among many that went through, stay a
 * warning in the run's summary.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../../src/cloud-api/errors.ts";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import type { AsyncInvoker } from "../../../src/core/scheduler/fan-out.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { runScheduler } from "../../../src/core/scheduler/run-scheduler.ts";
import { schedulerRunFailure } from "../../../src/core/scheduler/scheduler-run-failure.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";
import { invokeForOutcome } from "../../deploy/support/invoke-for-outcome.ts";
import {
  deployAsRole,
  type PolicyDocument,
  templateJson,
} from "../../deploy/support/policy-proof.ts";
import {
  type NotificationReceiver,
  startNotificationReceiver,
} from "../../support/notification-receiver.ts";

const DAY_MS = 86_400_000;

interface SchedulerWorld {
  cloud: RunningLocalCloud;
  kms: KmsClient;
  receiver: NotificationReceiver;
  /** The events the stand-in rotation function received. */
  rotationRequests: unknown[];
  /** A due secret (7-day interval, 30 days old to the scheduler) with extra tags. */
  dueSecret(name: string, tags?: Record<string, string>): Promise<string>;
  /** Deploys functions/scheduler as a role holding templates/scheduler/policy.json. */
  deployScheduler(environment?: Record<string, string>): Promise<string>;
}

const worlds: SchedulerWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) {
    await world.cloud.close();
    await world.receiver.close();
  }
});

/** A fresh cloud per test: a scheduler run plans every secret, so tests must not see each other's. */
async function schedulerWorld(): Promise<SchedulerWorld> {
  // The cloud's clock runs 30 days behind: what it stores is 30 days old to the scheduler.
  const cloud = await startLocalCloud({ now: () => Date.now() - 30 * DAY_MS });
  const receiver = await startNotificationReceiver();
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const rotationRequests: unknown[] = [];
  cloud.fc.deploy({
    name: "rotate-generic",
    handler: async (event) => {
      rotationRequests.push(JSON.parse(event.toString("utf8")));
      return "ok";
    },
  });
  const policy = await templateJson<PolicyDocument>("scheduler/policy.json");
  const world: SchedulerWorld = {
    cloud,
    kms,
    receiver,
    rotationRequests,
    async dueSecret(name, tags = {}) {
      const secretName = `rotor/${name}-${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        secretData: `initial-${randomUUID()}`,
        versionId: "v1",
        tags: Object.entries({ "rotor:rotator": "generic", "rotor:interval": "7d", ...tags }).map(
          ([key, value]) => ({ key, value }),
        ),
      });
      return secretName;
    },
    async deployScheduler(environment = {}) {
      const functionName = `scheduler-${randomUUID().slice(0, 8)}`;
      await deployAsRole(cloud, {
        entry: "scheduler",
        functionName,
        policy,
        environment: {
          ROTOR_NOTIFY_URL: receiver.url,
          ROTOR_NOTIFY_FORMAT: "generic",
          ...environment,
        },
      });
      return functionName;
    },
  };
  worlds.push(world);
  return world;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a scheduler run whose fan-out fails", () => {
  it("fails, names the secret and announces it when a secret's function does not exist", async () => {
    // Prepare
    const world = await schedulerWorld();
    const fine = await world.dueSecret("fine");
    const nowhere = await world.dueSecret("nowhere", { "rotor:function": "rotate-nowhere" });
    const scheduler = await world.deployScheduler();

    // Act
    const outcome = await invokeForOutcome(world.cloud, scheduler, { payload: "" });
    await world.cloud.fc.idle();

    // Assess
    expect(outcome.ok).toBe(false);
    const message = outcome.ok ? "" : outcome.errorMessage;
    expect(message).toContain(nowhere);
    expect(message).toContain("FunctionNotFound");
    expect(message).not.toContain(fine);
    expect(world.rotationRequests).toEqual([{ SecretName: fine }]);
    await world.receiver.waitFor(1);
    expect(world.receiver.received).toHaveLength(1);
    expect(world.receiver.received[0]).toMatchObject({
      event: "scheduler_failed",
      functionName: scheduler,
      requested: 2,
      failed: [
        {
          secretName: nowhere,
          functionName: "rotate-nowhere",
          error: expect.stringContaining("FunctionNotFound"),
        },
      ],
    });
  });

  it("fails when the scheduler's role may not invoke a secret's function", async () => {
    // Prepare
    const world = await schedulerWorld();
    await world.dueSecret("fine");
    const forbidden = await world.dueSecret("forbidden", { "rotor:function": "admin-tool" });
    const scheduler = await world.deployScheduler();

    // Act
    const outcome = await invokeForOutcome(world.cloud, scheduler, { payload: "" });

    // Assess
    expect(outcome.ok).toBe(false);
    const message = outcome.ok ? "" : outcome.errorMessage;
    expect(message).toContain(forbidden);
    expect(message).toContain("Forbidden.NoPermission");
    await world.receiver.waitFor(1);
    expect(JSON.stringify(world.receiver.received)).toContain(forbidden);
  });

  it("fails when every request fails, even for a reason that may pass", async () => {
    // Prepare: FC does not answer the scheduler at all.
    const world = await schedulerWorld();
    const first = await world.dueSecret("first");
    const second = await world.dueSecret("second");
    const scheduler = await world.deployScheduler({
      ROTOR_ENDPOINT_FC: `http://127.0.0.1:${await closedPort()}`,
    });

    // Act
    const outcome = await invokeForOutcome(world.cloud, scheduler, { payload: "" });

    // Assess
    expect(outcome.ok).toBe(false);
    const message = outcome.ok ? "" : outcome.errorMessage;
    expect(message).toContain("2 of 2");
    expect(message).toContain(first);
    expect(message).toContain(second);
    await world.receiver.waitFor(1);
    expect(world.receiver.received[0]).toMatchObject({ event: "scheduler_failed", requested: 2 });
  });

  it("stays a success, with the request listed, when one of many is still throttled after its retries", async () => {
    // Prepare: FC throttles the requests for one secret every time (a real FC
    // can't be made to do that to one secret on cue), the others go through.
    const world = await schedulerWorld();
    const names = await Promise.all(
      Array.from({ length: 5 }, (_, i) => world.dueSecret(`many-${i}`)),
    );
    const throttled = names[0] as string;
    const fc = new FcClient({
      endpoint: world.cloud.endpoint,
      credentials: world.cloud.credentials,
    });
    const throttlingOne: AsyncInvoker = {
      async invokeAsync(functionName, event, taskId) {
        if ((event as { SecretName?: string }).SecretName === throttled) {
          throw new ApiError({
            action: "InvokeFunction",
            code: "ResourceThrottled",
            statusCode: 429,
            message: "too many requests",
          });
        }
        return fc.invokeAsync(functionName, event, taskId);
      },
    };

    // Act
    const summary = await runScheduler({ kms: world.kms, fc: throttlingOne });
    await world.cloud.fc.idle();

    // Assess
    expect(summary).toMatchObject({ due: 5, invoked: 4, requested: 5 });
    expect(summary.failed).toEqual([
      expect.objectContaining({ secretName: throttled, transient: true }),
    ]);
    expect(schedulerRunFailure(summary)).toBeUndefined();
  });
});

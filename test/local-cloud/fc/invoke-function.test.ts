import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { FcContext } from "../../../src/local-cloud/fc/local-function.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

describe("local Function Compute through the official FC 2023-03-30 client", () => {
  let cloud: RunningLocalCloud;
  let fc: FcClient;
  const seen: { event: string; context: FcContext }[] = [];
  let flakyFailuresLeft = 0;
  const failures: unknown[] = [];

  beforeAll(async () => {
    cloud = await startLocalCloud();
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({
      name: "echo",
      timeoutSeconds: 30,
      memoryMB: 256,
      handler: async (event, context) => {
        seen.push({ event: event.toString("utf8"), context });
        return { received: JSON.parse(event.toString("utf8")) };
      },
    });
    cloud.fc.deploy({
      name: "flaky",
      async: { maxRetries: 2, onFailure: "on-failure" },
      retryDelayMs: () => 10,
      handler: async () => {
        if (flakyFailuresLeft-- > 0) throw new Error("target unreachable");
        return "ok";
      },
    });
    cloud.fc.deploy({
      name: "on-failure",
      handler: async (event) => {
        failures.push(JSON.parse(event.toString("utf8")));
      },
    });
    cloud.fc.deploy({
      name: "slow",
      handler: async () => {
        // Longer than the client's 5-second connect timeout: a rotation often is.
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        return "done";
      },
    });
    cloud.fc.deploy({
      name: "broken",
      handler: async () => {
        throw new TypeError("handler bug");
      },
    });
  });
  afterAll(() => cloud.close());

  it("runs a synchronous invocation with a Buffer event and an FC-shaped context", async () => {
    const output = await fc.invokeSync("echo", { SecretName: "db/app" });

    expect(JSON.parse(output)).toEqual({ received: { SecretName: "db/app" } });
    const last = seen.at(-1);
    expect(last?.context.function).toEqual({
      name: "echo",
      handler: "index.handler",
      memory: 256,
      timeout: 30,
    });
    expect(last?.context.credentials.accessKeyId).toBe(cloud.credentials.accessKeyId);
    expect(last?.context.accountId).toBe(cloud.accountId);
    expect(last?.context.requestId).toMatch(/[0-9A-F-]{36}/);
  });

  it("waits for a synchronous invocation that runs longer than the connect timeout", async () => {
    const patient = new FcClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      timeoutMs: 60_000,
    });

    const output = await patient.invokeSync("slow", {});

    expect(output).toBe("done");
  });

  it("reports a handler's error as an unhandled invocation error", async () => {
    await expect(fc.invokeSync("broken", {})).rejects.toMatchObject({
      code: "UnhandledInvocationError",
    });
  });

  it("refuses an unknown function with FunctionNotFound", async () => {
    await expect(fc.invokeSync("nope", {})).rejects.toMatchObject({
      code: "FunctionNotFound",
      statusCode: 404,
    });
  });

  it("retries a failing asynchronous invocation, then succeeds", async () => {
    flakyFailuresLeft = 2;
    const outcome = await fc.invokeAsync("flaky", { SecretName: "a" });
    await cloud.fc.idle();

    expect(outcome.status).toBe("accepted");
    const record = cloud.fc
      .invocations()
      .find((r) => outcome.status === "accepted" && r.requestId === outcome.requestId);
    expect(record).toMatchObject({ outcome: "succeeded", attempts: 3 });
    expect(failures).toHaveLength(0);
  });

  it("sends the failure record to the onFailure destination after the last retry", async () => {
    flakyFailuresLeft = 100;
    await fc.invokeAsync("flaky", { SecretName: "b" });
    await cloud.fc.idle();

    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: { condition: "UnhandledInvocationError", approximateInvokeCount: 3 },
      responseContext: { functionError: "Error: target unreachable" },
    });
  });

  it("runs an async task id once: a repeat is reported as a duplicate", async () => {
    flakyFailuresLeft = 0;
    const first = await fc.invokeAsync("echo", { n: 1 }, "rotate-db-app-20240101T0200");
    const second = await fc.invokeAsync("echo", { n: 2 }, "rotate-db-app-20240101T0200");
    await cloud.fc.idle();

    expect(first.status).toBe("accepted");
    expect(second.status).toBe("duplicate");
    expect(
      cloud.fc.invocations().filter((r) => r.asyncTaskId === "rotate-db-app-20240101T0200"),
    ).toHaveLength(1);
  });
});

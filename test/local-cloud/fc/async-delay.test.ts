/**
 * The local Function Compute takes `x-fc-async-delay` as FC does: whole
 * seconds from 0 to 3,600. Anything else is refused with InvalidArgument
 * before the invocation is queued. Rotor's FcClient refuses such a delay
 * before sending it, so these requests go through the official SDK alone.
 */
import { Readable } from "node:stream";
import * as fcModule from "@alicloud/fc20230330";
import * as openapiCoreModule from "@alicloud/openapi-core";
import * as daraCore from "@darabonba/typescript/dist/core.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import { credentialClient } from "../../../src/cloud-api/credentials.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

const FcSdkClient = commonJsDefault(fcModule);

describe("x-fc-async-delay in the local Function Compute", () => {
  let cloud: RunningLocalCloud;
  let sdk: InstanceType<typeof FcSdkClient>;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    cloud.fc.deploy({ name: "delayed", handler: async () => "ok" });
    const endpoint = new URL(cloud.endpoint);
    sdk = new FcSdkClient(
      new openapiCoreModule.$OpenApiUtil.Config({
        credential: credentialClient(cloud.credentials, {}),
        endpoint: endpoint.host,
        protocol: "http",
        regionId: cloud.region,
      }),
    );
  });
  afterAll(() => cloud.close());

  const invokeWithDelay = (delay: string) =>
    sdk.invokeFunctionWithOptions(
      "delayed",
      new fcModule.InvokeFunctionRequest({ body: Readable.from([Buffer.from("{}")]) }),
      new fcModule.InvokeFunctionHeaders({
        commonHeaders: { "x-fc-async-delay": delay },
        xFcInvocationType: "Async",
      }),
      new daraCore.RuntimeOptions({ autoretry: false }),
    );

  it.each(["3601", "-1", "soon", "1.5", "1e3", ""])(
    "refuses the delay %j with InvalidArgument and queues nothing",
    async (delay) => {
      // Prepare
      const before = cloud.fc.invocations().length;

      // Act
      const attempt = invokeWithDelay(delay);

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: "InvalidArgument" });
      expect(cloud.fc.invocations()).toHaveLength(before);
    },
  );

  it.each(["0", "3600"])("accepts the delay %j", async (delay) => {
    // Prepare
    const before = cloud.fc.invocations().length;

    // Act
    await invokeWithDelay(delay);

    // Assess
    expect(cloud.fc.invocations()[before]).toMatchObject({
      delaySeconds: Number(delay),
      outcome: delay === "0" ? expect.any(String) : "pending",
    });
  });
});

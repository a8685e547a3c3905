/**
 * Each function deployed to the local Function Compute sees the environment
 * FC would give it (its own variables, FC's, its role's keys) and nothing
 * of the other functions sharing this process, nor the host process's Rotor
 * and Alibaba Cloud settings, even while their invocations interleave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

/** The variables a function reports back: Rotor's, FC's and Alibaba Cloud's (secrets as "(set)"). */
function visibleSettings(): Record<string, string | undefined> {
  const secret = /^ALIBABA_CLOUD_(ACCESS_KEY_SECRET|SECURITY_TOKEN)$/;
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => /^(ROTOR_|FC_|ALIBABA_CLOUD_)/.test(name))
      .sort()
      .map((name) => [name, secret.test(name) ? "(set)" : process.env[name]]),
  );
}

describe("the environment of functions in the local Function Compute", () => {
  let cloud: RunningLocalCloud;
  let fc: FcClient;
  /** Released by the test once both functions are inside their invocations. */
  let release: () => void = () => {};
  const bothInside = new Promise<void>((resolve) => {
    release = resolve;
  });
  let inside = 0;

  beforeAll(async () => {
    process.env.ROTOR_HOST_ONLY_SETTING = "host";
    cloud = await startLocalCloud();
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const ram = new RamClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials: cloud.credentials,
    });
    await ram.createRole({
      roleName: "env-reader",
      assumeRolePolicyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { Service: ["fc.aliyuncs.com"] },
          },
        ],
      }),
    });
    // Each one waits inside its invocation until both are there, then reads its environment.
    const reader = async () => {
      inside++;
      if (inside === 2) release();
      await bothInside;
      return visibleSettings();
    };
    cloud.fc.deploy({
      name: "first",
      role: "env-reader",
      environment: { ROTOR_SECRET_PREFIXES: "rotor/first/", ROTOR_ONLY_FIRST: "1" },
      handler: reader,
    });
    cloud.fc.deploy({
      name: "second",
      environment: { ROTOR_SECRET_PREFIXES: "rotor/second/" },
      handler: reader,
    });
  });
  afterAll(async () => {
    delete process.env.ROTOR_HOST_ONLY_SETTING;
    await cloud?.close();
  });

  it("gives each function its own variables while both run at once, and leaves the host's alone", async () => {
    // Act
    const [first, second] = await Promise.all([
      fc.invokeSync("first", {}),
      fc.invokeSync("second", {}),
    ]);

    // Assess
    const firstSeen = JSON.parse(first) as Record<string, string>;
    const secondSeen = JSON.parse(second) as Record<string, string>;
    expect(firstSeen).toMatchObject({
      ROTOR_SECRET_PREFIXES: "rotor/first/",
      ROTOR_ONLY_FIRST: "1",
      FC_FUNCTION_NAME: "first",
      FC_REGION: cloud.region,
      FC_ACCOUNT_ID: cloud.accountId,
    });
    // The role's STS keys, as FC puts them in a function's environment.
    expect(firstSeen.ALIBABA_CLOUD_ACCESS_KEY_ID).toMatch(/^STS\./);
    expect(firstSeen).toMatchObject({
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "(set)",
      ALIBABA_CLOUD_SECURITY_TOKEN: "(set)",
    });
    expect(secondSeen).toMatchObject({
      ROTOR_SECRET_PREFIXES: "rotor/second/",
      FC_FUNCTION_NAME: "second",
    });
    expect(secondSeen).not.toHaveProperty("ROTOR_ONLY_FIRST");
    expect(firstSeen).not.toHaveProperty("ROTOR_HOST_ONLY_SETTING");
    expect(secondSeen).not.toHaveProperty("ROTOR_HOST_ONLY_SETTING");
    expect(process.env.ROTOR_SECRET_PREFIXES).toBeUndefined();
    expect(process.env.ROTOR_HOST_ONLY_SETTING).toBe("host");
  });
});

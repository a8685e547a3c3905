/**
 * serveBuiltInFunctions() deploys Rotor's functions to a local cloud as
 * s.yaml deploys them: the same settings, each function as its role with
 * its template's policy. Served again on the same state (a restart), it
 * keeps the roles, replaces an earlier template policy and leaves policies
 * attached by hand alone.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { BUILT_IN_FUNCTIONS, serveBuiltInFunctions } from "../../src/cli/built-in-functions.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";

interface SYamlProps {
  timeout: number;
  memorySize: number;
  asyncInvokeConfig?: {
    maxAsyncRetryAttempts?: number;
    destinationConfig?: { onFailure?: { destination?: string } };
  };
}

describe("the built-in functions on a local cloud", () => {
  let cloud: TestCloud;
  let ram: RamClient;

  beforeAll(async () => {
    cloud = await startTestCloud();
    ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  });
  afterAll(() => cloud?.close());

  it("are the functions of functions/ with s.yaml's and s.vpc.yaml's settings", async () => {
    const resources: Record<string, { props: SYamlProps }> = {};
    for (const file of ["s.yaml", "s.vpc.yaml"]) {
      const parsed = parse(await readFile(join(REPO_ROOT, file), "utf8")) as {
        resources: Record<string, { props: SYamlProps }>;
      };
      Object.assign(resources, parsed.resources);
    }

    const fromSYaml = Object.entries(resources).map(([name, { props }]) => ({
      name,
      timeoutSeconds: props.timeout,
      memoryMB: props.memorySize,
      maxRetries: props.asyncInvokeConfig?.maxAsyncRetryAttempts ?? 3,
      onFailure: props.asyncInvokeConfig?.destinationConfig?.onFailure?.destination
        ?.split("/")
        .at(-1),
    }));
    const served = BUILT_IN_FUNCTIONS.map((fn) => ({
      name: fn.name,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMB: fn.memoryMB,
      maxRetries: fn.async.maxRetries,
      onFailure: fn.async.onFailure,
    }));

    expect(served).toEqual(expect.arrayContaining(fromSYaml));
    expect(served).toHaveLength(fromSYaml.length);
  });

  it("run as their roles, and serving again keeps the roles and the policies added by hand", async () => {
    // Prepare: served once, then a role widened by hand and an older template policy left attached.
    await serveBuiltInFunctions(cloud);
    const extra = uniqueName("extra");
    await ram.createPolicy({
      policyName: extra,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [{ Effect: "Allow", Action: "kms:GetSecretValue", Resource: "*" }],
      }),
    });
    await ram.attachPolicyToRole({ roleName: "rotor-rotate-generic", policyName: extra });
    const older = "rotor-rotate-generic-00000000";
    await ram.createPolicy({
      policyName: older,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }],
      }),
    });
    await ram.attachPolicyToRole({ roleName: "rotor-rotate-generic", policyName: older });

    // Act
    const served = await serveBuiltInFunctions(cloud);
    const secretName = `rotor/generic/${uniqueName("served")}`;
    await cloud.kms.createSecret({
      secretName,
      secretData: "initial-served-value",
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    const fc = new FcClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      timeoutMs: 60_000,
    });
    const output = JSON.parse(await fc.invokeSync("rotate-generic", { SecretName: secretName }));

    // Assess
    const generic = served.find((fn) => fn.name === "rotate-generic");
    expect(generic?.roleName).toBe("rotor-rotate-generic");
    const attached = await ram.listPoliciesForRole({ roleName: "rotor-rotate-generic" });
    expect(attached.map((policy) => policy.policyName).sort()).toEqual(
      [extra, generic?.policyName].sort(),
    );
    expect(output).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const invocation = cloud.fc.invocations().at(-1);
    expect(invocation).toMatchObject({ functionName: "rotate-generic", outcome: "succeeded" });
  });
});

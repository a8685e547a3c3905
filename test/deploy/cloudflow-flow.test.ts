/**
 * templates/cloudflow/flow.yaml drives a whole rotation: its four Task
 * states, walked in order with their bodies built from the execution input
 * and the previous state's output as CloudFlow builds them, invoke the
 * rotate-generic function on the local cloud one step at a time.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { functionModule } from "../../src/local-cloud/fc/local-function.ts";
import { invokeForOutcome } from "./support/invoke-for-outcome.ts";

interface TaskState {
  Name: string;
  Type: string;
  Action: string;
  Parameters: { resourceArn: string; invocationType: string; body: Record<string, unknown> };
  OutputConstructor?: Record<string, unknown>;
  Next?: string;
  End?: boolean;
}
interface Flow {
  StartAt: string;
  States: TaskState[];
}

/** The value of a `$Context.Execution.Input.x`, `$Input.x` or `$Output.Body.x` path. */
function valueAt(path: string, scope: Record<string, unknown>): unknown {
  const [root, ...keys] = path.split(".");
  let value: unknown = scope[root ?? ""];
  for (const key of keys) value = (value as Record<string, unknown> | undefined)?.[key];
  if (value === undefined) throw new Error(`${path} has no value`);
  return value;
}

/** A body or output template: keys ending in `.$` take the value at their path. */
function construct(template: Record<string, unknown>, scope: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith(".$") ? [key.slice(0, -2), valueAt(String(value), scope)] : [key, value],
    ),
  );
}

let cloud: RunningLocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud();
  cloud.fc.deploy({
    name: "rotate-generic",
    environment: { ROTOR_ENDPOINT: cloud.endpoint },
    handler: functionModule(join(REPO_ROOT, "functions/rotate-generic/index.ts")),
  });
});
afterAll(() => cloud?.close());

describe("the CloudFlow flow template", () => {
  it("rotates a secret in four invocations, one per step", async () => {
    // Prepare
    const flow = parse(
      await readFile(join(REPO_ROOT, "templates/cloudflow/flow.yaml"), "utf8"),
    ) as Flow;
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const secretName = `rotor/${randomUUID()}`;
    await kms.createSecret({
      secretName,
      secretData: `initial-${randomUUID()}`,
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    const execution = { Input: { SecretName: secretName } };

    // Act
    const steps: unknown[] = [];
    let input: Record<string, unknown> = execution.Input;
    let state = flow.States.find((each) => each.Name === flow.StartAt);
    while (state) {
      expect(state).toMatchObject({ Type: "Task", Action: "FC:InvokeFunction" });
      const functionName = state.Parameters.resourceArn.split("/").at(-1) ?? "";
      const body = construct(state.Parameters.body, {
        $Context: { Execution: execution },
        $Input: input,
      });
      const outcome = await invokeForOutcome(cloud, functionName, body);
      if (!outcome.ok) throw new Error(`${state.Name}: ${outcome.errorMessage}`);
      steps.push(...((outcome.output as { Steps: unknown[] }).Steps ?? []));
      input = state.OutputConstructor
        ? construct(state.OutputConstructor, { $Input: input, $Output: { Body: outcome.output } })
        : {};
      const next = state.End ? undefined : state.Next;
      state = flow.States.find((each) => each.Name === next);
    }

    // Assess
    expect(steps).toEqual(["createSecret", "setSecret", "testSecret", "finishSecret"]);
    const { versions } = await kms.listSecretVersionIds({ secretName });
    const current = versions.find((version) => version.versionStages.includes("ACSCurrent"));
    expect(current?.versionId).not.toBe("v1");
    expect(versions.find((version) => version.versionId === "v1")?.versionStages).toEqual([
      "ACSPrevious",
    ]);
  });
});

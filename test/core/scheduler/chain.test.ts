import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { defineRotator, textSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import { createRotationHandler } from "../../../src/core/functions/create-rotation-handler.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import { functionModule } from "../../../src/local-cloud/fc/local-function.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

/** A user's rotator whose target always refuses the new value. */
const refusingRotator = defineRotator({
  kind: "always-refused",
  description: "a target that never accepts a new value",
  value: textSecretValue(),
  config: z.object({}).passthrough(),
  async createValue() {
    return "refused-candidate-value";
  },
  async apply() {},
  async test() {
    throw new Error("the target refused the new value");
  },
});

describe("timer → scheduler → rotation function, and failures → onFailure → one notification", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let webhook: Server;
  const notifications: unknown[] = [];
  const logLines: string[] = [];
  let clock = Date.parse("2024-06-01T00:00:00Z");

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        notifications.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    cloud = await startLocalCloud({ now: () => clock });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const environment = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ROTOR_NOTIFY_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
      ROTOR_NOTIFY_FORMAT: "slack",
    };
    const quick = { maxRetries: 1, onFailure: "on-failure" };
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
      name: "rotate-generic",
      environment,
      async: quick,
      retryDelayMs: () => 10,
      handler: functionModule("../../../functions/rotate-generic/index.ts"),
    });
    cloud.fc.deploy({
      name: "rotate-refused",
      environment,
      async: quick,
      retryDelayMs: () => 10,
      handler: createRotationHandler({
        rotators: [refusingRotator],
        write: (line) => logLines.push(line),
      }),
    });
    const tags = (extra: Record<string, string>) =>
      Object.entries({ "rotor:interval": "7d", ...extra }).map(([key, value]) => ({ key, value }));
    await kms.createSecret({
      secretName: "chain/a",
      secretData: "chain-initial-a",
      versionId: "v1",
      tags: tags({ "rotor:rotator": "generic" }),
    });
    await kms.createSecret({
      secretName: "chain/b",
      secretData: "chain-initial-b",
      versionId: "v1",
      tags: tags({ "rotor:rotator": "generic" }),
    });
    await kms.createSecret({
      secretName: "chain/refused",
      secretData: "chain-initial-c",
      versionId: "v1",
      tags: tags({ "rotor:rotator": "always-refused", "rotor:function": "rotate-refused" }),
    });
    clock += 8 * 86_400_000;
  });
  afterAll(async () => {
    await cloud.close();
    await new Promise((resolve) => webhook.close(resolve));
  });

  it("rotates the due secrets, records the failure on the secret and announces it once", async () => {
    const fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const timerEvent = {
      triggerTime: "2024-06-09T00:00:00Z",
      triggerName: "every-10-minutes",
      payload: "",
    };

    const output = JSON.parse(await fc.invokeSync("scheduler", timerEvent));
    await cloud.fc.idle();
    await cloud.fc.idle();

    expect(output).toMatchObject({ planned: 3, due: 3, invoked: 3 });
    for (const name of ["chain/a", "chain/b"]) {
      const { versions } = await kms.listSecretVersionIds({ secretName: name });
      expect(versions.map((v) => v.versionStages.join(",")).sort()).toEqual([
        "ACSCurrent",
        "ACSPrevious",
      ]);
      const current = await kms.getSecretValue({ secretName: name });
      expect(current.secretData).not.toMatch(/^chain-initial/);
    }
    const refused = await kms.describeSecret({ secretName: "chain/refused", fetchTags: true });
    const refusedTags = Object.fromEntries(refused.tags.map((t) => [t.key, t.value]));
    expect(refusedTags["rotor:status"]).toBe("failed");
    expect(refusedTags["rotor:last-error"]).toContain("the target refused the new value");
    expect((await kms.getSecretValue({ secretName: "chain/refused" })).secretData).toBe(
      "chain-initial-c",
    );
    expect(notifications).toHaveLength(1);
    expect(JSON.stringify(notifications[0])).toContain("chain/refused");
    expect(JSON.stringify(notifications)).not.toContain("refused-candidate-value");
    expect(logLines.join("\n")).not.toContain("refused-candidate-value");
  });
});

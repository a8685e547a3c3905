import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { cancelRotation } from "../../src/core/engine/cancel-rotation.ts";
import { pendingVersionId } from "../../src/core/engine/rotation-lock.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../src/local-cloud/server.ts";

describe("rotor cancel", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let env: Record<string, string>;
  let clockOffset = 0;

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => Date.now() + clockOffset });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    };
  });
  afterAll(() => cloud.close());

  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  /** A generic secret whose rotation was left pending by a crashed invocation, `ageMs` ago. */
  async function stuckSecret(name: string, ageMs: number): Promise<string> {
    await kms.createSecret({
      secretName: name,
      secretData: "cancel-current-value",
      versionId: "initial",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    const token = pendingVersionId("initial", 1);
    clockOffset = -ageMs;
    await kms.putSecretValue({
      secretName: name,
      secretData: "cancel-pending-value",
      versionId: token,
      versionStages: ["ACSPending"],
    });
    clockOffset = 0;
    return token;
  }

  it("takes the pending stage off an abandoned rotation; the next rotation starts afresh", async () => {
    const token = await stuckSecret("cancel/abandoned", 60 * 60 * 1000);

    const cancelled = await run(["cancel", "cancel/abandoned", "--json"]);
    const rotated = await run(["rotate", "cancel/abandoned", "--json"]);

    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.out)).toEqual({
      secretName: "cancel/abandoned",
      cancelledVersionId: token,
    });
    expect(rotated.code).toBe(0);
    const result = JSON.parse(rotated.out) as { versionId: string; resumed: boolean };
    expect(result.resumed).toBe(false);
    expect(result.versionId).toBe(pendingVersionId("initial", 2));
    const current = await kms.getSecretValue({ secretName: "cancel/abandoned" });
    expect(current.secretData).not.toBe("cancel-pending-value");
    expect(cancelled.out + rotated.out).not.toContain("cancel-current-value");
  });

  it("refuses while the rotation's lease runs, and changes nothing", async () => {
    const token = await stuckSecret("cancel/live", 0);

    const { code, err } = await run(["cancel", "cancel/live"]);

    expect(code).toBe(1);
    expect(err).toContain("rotation is in progress");
    const { versions } = await kms.listSecretVersionIds({ secretName: "cancel/live" });
    expect(versions.find((v) => v.versionId === token)?.versionStages).toEqual(["ACSPending"]);
  });

  it("refuses when the target no longer accepts ACSCurrent (the pending value may be in use)", async () => {
    const token = await stuckSecret("cancel/in-use", 60 * 60 * 1000);

    const attempt = cancelRotation({
      kms,
      secretName: "cancel/in-use",
      testCurrent: async () => {
        throw new Error("login refused");
      },
    });

    await expect(attempt).rejects.toThrow(/Resume it with `rotor rotate cancel\/in-use`/);
    const { versions } = await kms.listSecretVersionIds({ secretName: "cancel/in-use" });
    expect(versions.find((v) => v.versionId === token)?.versionStages).toEqual(["ACSPending"]);
  });

  it("says there is nothing to cancel when no rotation is pending", async () => {
    await kms.createSecret({
      secretName: "cancel/idle",
      secretData: "x-value",
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    const { code, out } = await run(["cancel", "cancel/idle"]);
    expect(code).toBe(0);
    expect(out).toContain("nothing to cancel");
  });
});

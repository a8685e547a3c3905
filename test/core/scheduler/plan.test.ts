import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { planRotations } from "../../../src/core/scheduler/plan-pages.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

describe("planRotations against the local cloud", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let clock = Date.parse("2024-06-01T00:00:00Z");

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => clock });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  });
  afterAll(() => cloud.close());

  async function secret(name: string, tags: Record<string, string>) {
    await kms.createSecret({
      secretName: name,
      secretData: "value-not-read-by-the-planner",
      versionId: "v1",
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
  }

  it("lists managed secrets across pages and gives each its verdict; a bad tag skips only its secret", async () => {
    // Prepare: secrets created at 2024-06-01, then the clock moves 10 days on.
    await secret("plan/due", { "rotor:rotator": "generic", "rotor:interval": "7d" });
    await secret("plan/later", {
      "rotor:rotator": "generic",
      "rotor:interval": "30d",
      "rotor:function": "custom-fn",
    });
    await secret("plan/off", {
      "rotor:rotator": "generic",
      "rotor:interval": "7d",
      "rotor:enabled": "false",
    });
    await secret("plan/manual", { "rotor:rotator": "mysql" });
    await secret("plan/bad", { "rotor:rotator": "generic", "rotor:interval": "6m" });
    await secret("plan/unmanaged", { team: "payments" });
    for (let i = 0; i < 120; i++)
      await secret(`plan/bulk-${i}`, { "rotor:rotator": "generic", "rotor:interval": "1d" });
    clock += 10 * 86_400_000;
    const progress: number[] = [];

    // Act
    const plan = await planRotations({
      kms,
      now: clock,
      onProgress: (done) => progress.push(done),
    });

    // Assess
    const byName = new Map(plan.map((entry) => [entry.secretName, entry]));
    expect(plan).toHaveLength(125);
    expect(byName.has("plan/unmanaged")).toBe(false);
    expect(byName.get("plan/due")).toMatchObject({ status: "due", functionName: "rotate-generic" });
    expect(byName.get("plan/later")).toMatchObject({
      status: "scheduled",
      functionName: "custom-fn",
      nextRotation: Date.parse("2024-07-01T00:00:00Z"),
      lastRotation: Date.parse("2024-06-01T00:00:00Z"),
    });
    expect(byName.get("plan/off")?.status).toBe("disabled");
    expect(byName.get("plan/manual")?.status).toBe("unscheduled");
    expect(byName.get("plan/bad")).toMatchObject({ status: "invalid" });
    expect(byName.get("plan/bad")?.reason).toContain("rotor:interval");
    expect(plan.filter((entry) => entry.status === "due")).toHaveLength(121);
    expect(progress.at(-1)).toBe(125);
  });

  it("sends a built-in kind to its function; a kind of one's own needs rotor:function", async () => {
    // Prepare
    await secret("kinds/postgres", { "rotor:rotator": "postgres", "rotor:interval": "1d" });
    await secret("kinds/own-with-function", {
      "rotor:rotator": "api-token",
      "rotor:function": "rotate-api-token",
      "rotor:interval": "1d",
    });
    await secret("kinds/own-without-function", {
      "rotor:rotator": "api-token",
      "rotor:interval": "1d",
    });
    clock += 2 * 86_400_000;

    // Act
    const plan = await planRotations({ kms, now: clock });

    // Assess
    const byName = new Map(plan.map((entry) => [entry.secretName, entry]));
    expect(byName.get("kinds/postgres")).toMatchObject({
      status: "due",
      functionName: "rotate-postgres",
    });
    expect(byName.get("kinds/own-with-function")).toMatchObject({
      status: "due",
      functionName: "rotate-api-token",
    });
    const without = byName.get("kinds/own-without-function");
    expect(without?.status).toBe("invalid");
    expect(without?.problem?.tag).toBe("rotor:rotator");
    expect(without?.reason).toContain('"api-token" is not a built-in kind');
    expect(without?.reason).toContain("rotor:function");
  });
});

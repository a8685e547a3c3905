/**
 * `rotor plan` and `rotor status` say when a tag turned a secret's rotation
 * off or weakened it, judged by the deployment limits of the operator's
 * environment, so that a change made by whoever may tag the secret shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../src/local-cloud/server.ts";

let cloud: RunningLocalCloud;
let env: Record<string, string>;

beforeAll(async () => {
  cloud = await startLocalCloud();
  env = {
    ROTOR_ENDPOINT: cloud.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    ROTOR_MAX_LEASE: "30m",
  };
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const create = (secretName: string, tags: Record<string, string>) =>
    kms.createSecret({
      secretName,
      secretData: `tag-warnings-${secretName}`,
      versionId: "v1",
      tags: Object.entries({ "rotor:rotator": "generic", "rotor:interval": "30d", ...tags }).map(
        ([key, value]) => ({ key, value }),
      ),
    });
  await create("warn/turned-off", { "rotor:enabled": "false" });
  await create("warn/weakened", { "rotor:lease": "7d", "rotor:length": "8" });
  await create("warn/untouched", {});
});
afterAll(() => cloud?.close());

async function rotor(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rotor plan and rotor status on weakening tags", () => {
  it("plan lists each weakening tag under the table, naming the secret, tag, value and effect", async () => {
    // Act
    const { code, out } = await rotor("plan");

    // Assess
    expect(code).toBe(0);
    const warnings = out.slice(out.indexOf("Tags that turn rotation off or weaken it:"));
    expect(warnings.split("\n")).toEqual([
      "Tags that turn rotation off or weaken it:",
      "  warn/turned-off  rotor:enabled=false  off: scheduled rotation is off (manual and emergency rotations still work)",
      "  warn/weakened    rotor:lease=7d       bounded: capped at 30m (ROTOR_MAX_LEASE): a failed rotation holds the secret at most that long",
      "  warn/weakened    rotor:length=8       bounded: raised to 20 (ROTOR_PASSWORD_MIN_LENGTH)",
    ]);
  });

  it("plan --json carries the findings per secret", async () => {
    // Act
    const { out } = await rotor("plan", "--json");

    // Assess
    const plan = JSON.parse(out) as { secretName: string; weakenings: unknown[] }[];
    const byName = new Map(plan.map((entry) => [entry.secretName, entry.weakenings]));
    expect(byName.get("warn/untouched")).toEqual([]);
    expect(byName.get("warn/turned-off")).toEqual([
      {
        tag: "rotor:enabled",
        value: "false",
        effect: "off",
        says: "scheduled rotation is off (manual and emergency rotations still work)",
      },
    ]);
  });

  it("status says the same for one secret, and the lock it shows uses the capped lease", async () => {
    // Act
    const text = await rotor("status", "warn/weakened");
    const json = await rotor("status", "warn/weakened", "--json");
    const quiet = await rotor("status", "warn/untouched");

    // Assess
    expect(text.out).toContain(
      "tag rotor:lease=7d: bounded: capped at 30m (ROTOR_MAX_LEASE): a failed rotation holds the secret at most that long",
    );
    expect(text.out).toContain(
      "tag rotor:length=8: bounded: raised to 20 (ROTOR_PASSWORD_MIN_LENGTH)",
    );
    expect((JSON.parse(json.out) as { weakenings: unknown[] }).weakenings).toHaveLength(2);
    expect(quiet.out).not.toContain("tag rotor:");
  });
});

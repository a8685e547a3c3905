import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.ts";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

describe("rotor plan", () => {
  let cloud: RunningLocalCloud;
  let env: Record<string, string>;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    };
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const tags = (interval: string) => [
      { key: "rotor:rotator", value: "generic" },
      { key: "rotor:interval", value: interval },
    ];
    await kms.createSecret({
      secretName: "cli/fresh",
      secretData: "plan-secret-value-1",
      versionId: "v1",
      tags: tags("30d"),
    });
    await kms.createSecret({
      secretName: "cli/broken",
      secretData: "plan-secret-value-2",
      versionId: "v1",
      tags: tags("often"),
    });
  });
  afterAll(() => cloud.close());

  function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    return main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env }).then((code) => ({
      code,
      out: out.join("\n"),
      err: err.join("\n"),
    }));
  }

  it("shows each managed secret's status as JSON, naming the bad tag, without values", async () => {
    const { code, out } = await run(["plan", "--json"]);

    expect(code).toBe(0);
    const plan = JSON.parse(out) as {
      secretName: string;
      status: string;
      reason: string;
      nextRotation: string | null;
    }[];
    const byName = new Map(plan.map((entry) => [entry.secretName, entry]));
    expect(byName.get("cli/fresh")).toMatchObject({ status: "scheduled" });
    expect(byName.get("cli/fresh")?.nextRotation).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byName.get("cli/broken")?.status).toBe("invalid");
    expect(byName.get("cli/broken")?.reason).toContain("rotor:interval");
    expect(out).not.toContain("plan-secret-value");
  });

  it("prints a table by default", async () => {
    const { code, out } = await run(["plan"]);
    expect(code).toBe(0);
    expect(out.split("\n")[0]).toMatch(
      /^SECRET\s+ROTATOR\s+LAST ROTATION\s+NEXT ROTATION\s+STATUS/,
    );
    expect(out).toContain("2 secret(s)");
  });

  it("refuses a bad --qps with exit code 2", async () => {
    const { code, err } = await run(["plan", "--qps", "0"]);
    expect(code).toBe(2);
    expect(err).toContain("--qps");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../src/local-cloud/server.ts";

describe("rotor rotate --tag (a leaked environment)", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    cloud = await startLocalCloud();
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    };
    const secret = (name: string, tags: Record<string, string>) =>
      kms.createSecret({
        secretName: name,
        secretData: `fleet-initial-${name}`,
        versionId: "initial",
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
    for (let i = 0; i < 5; i++)
      await secret(`ci/token-${i}`, { env: "ci", "rotor:rotator": "generic" });
    await secret("ci/unknown-kind", { env: "ci", "rotor:rotator": "no-such-rotator" });
    await secret("prod/token", { env: "prod", "rotor:rotator": "generic" });
    // Carries env and ci, but not as one pair: must not be touched.
    await secret("other/token", { env: "staging", team: "ci", "rotor:rotator": "generic" });
  });
  afterAll(() => cloud.close());

  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("rotates every secret with the exact tag, reports the one that failed, exits 1", async () => {
    const { code, out } = await run(["rotate", "--tag", "env=ci", "--emergency", "--json"]);

    expect(code).toBe(1);
    const summary = JSON.parse(out) as {
      total: number;
      failed: number;
      results: { secretName: string; outcome: string; error?: string }[];
    };
    expect(summary.total).toBe(6);
    expect(summary.failed).toBe(1);
    const failed = summary.results.find((r) => r.outcome === "failed");
    expect(failed?.secretName).toBe("ci/unknown-kind");
    expect(failed?.error).toContain("no-such-rotator");
    for (let i = 0; i < 5; i++) {
      const current = await kms.getSecretValue({ secretName: `ci/token-${i}` });
      expect(current.secretData).not.toBe(`fleet-initial-ci/token-${i}`);
    }
    for (const untouched of ["prod/token", "other/token"]) {
      expect((await kms.getSecretValue({ secretName: untouched })).versionId).toBe("initial");
    }
    expect(out).not.toContain("fleet-initial");
  });

  it("an emergency by tag starts every rotation at once, due or not, through no delayed invocation", async () => {
    // Prepare: secrets rotated monthly and created just now, so none is due.
    for (let i = 0; i < 3; i++) {
      await kms.createSecret({
        secretName: `leak/token-${i}`,
        secretData: `fleet-initial-leak/token-${i}`,
        versionId: "initial",
        tags: [
          { key: "env", value: "leak" },
          { key: "rotor:rotator", value: "generic" },
          { key: "rotor:interval", value: "30d" },
        ],
      });
    }
    const invocationsBefore = cloud.fc.invocations().length;

    // Act
    const { code } = await run(["rotate", "--tag", "env=leak", "--emergency", "--json"]);

    // Assess: each rotated when the command returns; nothing queued to run later.
    expect(code).toBe(0);
    for (let i = 0; i < 3; i++) {
      const current = await kms.getSecretValue({ secretName: `leak/token-${i}` });
      expect(current.versionId).not.toBe("initial");
    }
    expect(cloud.fc.invocations()).toHaveLength(invocationsBefore);
  });

  it("prints a summary line as text", async () => {
    const { code, out } = await run(["rotate", "--tag", "env=prod"]);
    expect(code).toBe(0);
    expect(out).toContain("1 of 1 secret(s) tagged env=prod done, 0 failed");
  });

  it.each([
    [["rotate", "--tag", "env"], "--tag expects KEY=VALUE"],
    [["rotate", "prod/token", "--tag", "env=prod"], "either a secret name or --tag"],
    [["rotate", "--tag", "env=prod", "--step", "createSecret"], "takes no --step"],
    [["rotate", "prod/token", "--concurrency", "2"], "--concurrency goes with --tag"],
  ])("refuses %j with exit code 2", async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it("names a tag nobody carries", async () => {
    const { code, err } = await run(["rotate", "--tag", "env=nowhere"]);
    expect(code).toBe(1);
    expect(err).toContain("no secret carries the tag env=nowhere");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../src/local-cloud/server.ts";

describe("rotor history", () => {
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
  });
  afterAll(() => cloud.close());

  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("lists the initial version, two rotations and a recorded failure, oldest first, without values", async () => {
    await kms.createSecret({
      secretName: "history/token",
      secretData: "history-initial-value",
      versionId: "initial",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    expect((await run(["rotate", "history/token"])).code).toBe(0);
    expect((await run(["rotate", "history/token"])).code).toBe(0);
    await kms.tagResource({
      secretName: "history/token",
      tags: [
        { key: "rotor:status", value: "failed" },
        { key: "rotor:last-attempt", value: "2099-01-01T00:00:00Z" },
        { key: "rotor:last-error", value: "setSecret: the target refused" },
      ],
    });

    const { code, out } = await run(["history", "history/token", "--json"]);

    expect(code).toBe(0);
    const entries = JSON.parse(out) as {
      kind: string;
      versionId?: string;
      stages?: string[];
      detail: string;
    }[];
    expect(entries.map((entry) => entry.kind)).toEqual([
      "version",
      "rotation",
      "rotation",
      "outcome",
    ]);
    expect(entries[0]?.versionId).toBe("initial");
    expect(entries[2]?.stages).toContain("ACSCurrent");
    expect(entries[1]?.stages).toContain("ACSPrevious");
    expect(entries[3]?.detail).toBe("rotation failed: setSecret: the target refused");
    const current = await kms.getSecretValue({ secretName: "history/token" });
    expect(out).not.toContain(current.secretData);
    expect(out).not.toContain("history-initial-value");
  });

  it("names a missing secret and exits 1", async () => {
    const { code, err } = await run(["history", "history/none"]);
    expect(code).toBe(1);
    expect(err).toContain("Forbidden.ResourceNotFound");
  });

  it("wants exactly one secret name", async () => {
    expect((await run(["history"])).code).toBe(2);
    expect((await run(["history", "a", "b"])).code).toBe(2);
  });
});

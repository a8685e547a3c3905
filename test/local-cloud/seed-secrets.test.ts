/**
 * seedSecrets writes a state folder the local cloud opens as if every
 * secret had been created through the API, and refuses a folder that
 * already holds secrets.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { seedSecrets } from "../../src/local-cloud/seed-secrets.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("seedSecrets", () => {
  it("writes secrets the cloud serves: listed with their tags, read, rotated", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-seed-"));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    await seedSecrets({ stateDir, count: 60, startTime: Date.parse("2026-01-01T00:00:00Z") });

    const cloud = await startLocalCloud({ stateDir });
    cleanups.push(() => cloud.close());
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const daily = await kms.listSecrets({
      filters: [{ key: "TagValue", values: ["1d"] }],
      fetchTags: true,
      pageSize: 100,
    });
    const first = await kms.getSecretValue({ secretName: "rotor/generic/app-000000" });
    const { versions } = await kms.listSecretVersionIds({ secretName: "rotor/generic/app-000000" });
    await kms.putSecretValue({
      secretName: "rotor/generic/app-000000",
      secretData: "next",
      versionId: "v3",
    });

    expect(cloud.callStats().state.secrets).toBe(60);
    expect(daily.totalCount).toBe(20);
    expect(daily.secrets[0]).toMatchObject({
      secretName: "rotor/generic/app-000000",
      createTime: "2026-01-01T00:00:00Z",
      tags: [
        { key: "rotor:rotator", value: "generic" },
        { key: "rotor:interval", value: "1d" },
        { key: "team", value: "team-0" },
      ],
    });
    expect(JSON.parse(first.secretData)).toMatchObject({ AccountName: "app0" });
    expect(versions.map((v) => [v.versionId, v.versionStages])).toEqual([
      ["v0-1", ["ACSPrevious"]],
      ["v0-2", ["ACSCurrent"]],
    ]);
    expect((await kms.getSecretValue({ secretName: "rotor/generic/app-000000" })).secretData).toBe(
      "next",
    );
  });

  it("refuses a state folder that already holds secrets", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-seed-"));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    await seedSecrets({ stateDir, count: 1 });

    const again = await seedSecrets({ stateDir, count: 1 }).then(
      () => "seeded",
      (error: Error) => error.message,
    );

    expect(again).toContain("already holds secrets");
  });
});

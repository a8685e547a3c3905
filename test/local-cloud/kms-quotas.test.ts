/**
 * The local cloud's KMS quota preset (`quotas: "alibaba"`): calls are
 * limited per action group as Alibaba's shared gateway limits them per
 * account and region, excess calls are answered 429 Rejected.Throttling in
 * Alibaba's envelope, and the cloud counts calls, throttled calls and the
 * peak rate per group. Quotas are scaled down so a handful of calls reaches
 * a limit and a window lasts long enough that timing never decides a test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import {
  ALIBABA_KMS_QUOTAS,
  parseQuotaSpec,
} from "../../src/local-cloud/throttling/alibaba-kms-quotas.ts";
import type { CallStatsSnapshot } from "../../src/local-cloud/throttling/call-stats.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type CliCloud, readAccount, startCliCloud } from "./support/cli-cloud.ts";
import { sendRaw, signV3 } from "./support/test-signer.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function quotaCloud(options: Parameters<typeof startTestCloud>[0]): Promise<TestCloud> {
  const cloud = await startTestCloud({ inMemory: true, ...options });
  cleanups.push(() => cloud.close());
  return cloud;
}

/** A client that gives up at the first refusal, so throttling shows. */
function oneShot(cloud: TestCloud): KmsClient {
  return cloud.kmsClient({ retry: { attempts: 1 } });
}

async function outcome(call: Promise<unknown>): Promise<"ok" | string> {
  return call.then(
    () => "ok",
    (error: unknown) => {
      if (error instanceof ApiError) return `${error.statusCode} ${error.code}`;
      throw error;
    },
  );
}

async function statsOverHttp(endpoint: string): Promise<CallStatsSnapshot> {
  const response = await fetch(`${endpoint}/.rotor/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as CallStatsSnapshot;
}

describe("the alibaba quota preset", () => {
  it("puts every KMS action the local cloud serves in exactly one group", async () => {
    const cloud = await quotaCloud({});
    const served = [
      "CreateSecret",
      "GetSecretValue",
      "PutSecretValue",
      "UpdateSecretVersionStage",
      "ListSecretVersionIds",
      "DescribeSecret",
      "ListSecrets",
      "UpdateSecret",
      "DeleteSecret",
      "RestoreSecret",
      "GetRandomPassword",
      "TagResource",
      "UntagResource",
    ];
    const grouped = ALIBABA_KMS_QUOTAS.flatMap((group) => group.actions);

    expect([...grouped].sort()).toEqual([...served].sort());
    expect(new Set(grouped).size).toBe(grouped.length);
    const published = Object.fromEntries(
      ALIBABA_KMS_QUOTAS.filter((group) => group.basis === "published").map((group) => [
        group.name,
        group.perSecond,
      ]),
    );
    expect(published).toEqual({
      "secret-create-delete": 10,
      "secret-value": 450,
      "secret-list": 40,
    });
    await cloud.close();
  });

  it("answers calls over a group's limit with 429 Rejected.Throttling in Alibaba's envelope", async () => {
    // secret-list at 40 × 0.025 = 1 call per second.
    const cloud = await quotaCloud({ quotas: { preset: "alibaba", scale: 0.025 } });
    const host = new URL(cloud.endpoint).host;
    const signed = () =>
      signV3({ host, ...cloud.credentials, action: "ListSecrets", query: { PageSize: "10" } });

    const first = await sendRaw(cloud.port, signed());
    const second = await sendRaw(cloud.port, signed());

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(Object.keys(second.body).sort()).toEqual([
      "Code",
      "HostId",
      "Message",
      "Recommend",
      "RequestId",
    ]);
    expect(second.body).toMatchObject({
      Code: "Rejected.Throttling",
      HostId: `kms.${cloud.region}.aliyuncs.com`,
    });
    expect(String(second.body.Message)).toContain("QPS Limit Exceeded");
  });

  it("makes the actions of one group share its limit, and leaves other groups alone", async () => {
    // secret-list: 1 call per 2.5 s; secret-value: 11.25 per second.
    const cloud = await quotaCloud({ quotas: { preset: "alibaba", scale: 0.01 } });
    await cloud.kms.createSecret({ secretName: "shared", secretData: "v", versionId: "v1" });
    const kms = oneShot(cloud);

    const listed = await outcome(kms.listSecrets({}));
    const described = await outcome(kms.describeSecret({ secretName: "shared" }));
    const versions = await outcome(kms.listSecretVersionIds({ secretName: "shared" }));
    const value = await outcome(kms.getSecretValue({ secretName: "shared" }));

    expect([listed, described, versions, value]).toEqual([
      "ok",
      "429 Rejected.Throttling",
      "429 Rejected.Throttling",
      "ok",
    ]);
  });

  it("never admits more than a group's limit in any second of a burst, and counts every call", async () => {
    // secret-value: 450 × 0.02 = 9 per second.
    const cloud = await quotaCloud({ quotas: { preset: "alibaba", scale: 0.02 } });
    await cloud.kms.createSecret({ secretName: "hot", secretData: "v", versionId: "v1" });
    const kms = oneShot(cloud);

    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => outcome(kms.getSecretValue({ secretName: "hot" }))),
    );
    const stats = cloud.callStats();
    const group = stats.groups["secret-value"];
    const action = stats.actions["kms:GetSecretValue"];

    const admitted = outcomes.filter((o) => o === "ok").length;
    expect(outcomes.filter((o) => o !== "ok").every((o) => o === "429 Rejected.Throttling")).toBe(
      true,
    );
    expect(admitted).toBeGreaterThanOrEqual(9);
    expect(group).toMatchObject({
      product: "kms",
      limitPerSecond: 9,
      basis: "published",
      calls: 40,
      admitted,
      throttled: 40 - admitted,
    });
    expect(group?.peakAdmittedPerSecond).toBeLessThanOrEqual(9);
    expect(group?.peakAdmittedPerSecond).toBeGreaterThanOrEqual(1);
    expect(group?.peakCallsPerSecond).toBeGreaterThanOrEqual(group?.peakAdmittedPerSecond ?? 0);
    expect(action).toMatchObject({ calls: 40, admitted, throttled: 40 - admitted });
    expect(stats.quotas).toBe("alibaba");
  });

  it("limits a group to what `limits` sets, e.g. an estimate replaced by a measured rate", async () => {
    const cloud = await quotaCloud({
      quotas: { preset: "alibaba", limits: { "secret-write": 0.2 } },
    });
    await cloud.kms.createSecret({ secretName: "w", secretData: "v", versionId: "v1" });
    const kms = oneShot(cloud);

    const tagged = await outcome(
      kms.tagResource({ secretName: "w", tags: [{ key: "a", value: "b" }] }),
    );
    const put = await outcome(
      kms.putSecretValue({ secretName: "w", secretData: "x", versionId: "v2" }),
    );

    expect([tagged, put]).toEqual(["ok", "429 Rejected.Throttling"]);
    expect(cloud.callStats().groups["secret-write"]).toMatchObject({
      limitPerSecond: 0.2,
      basis: "estimate",
    });
  });

  it("applies `throttle` too: a call must pass both its action's limit and its group's", async () => {
    const cloud = await quotaCloud({
      quotas: "alibaba",
      throttle: { GetSecretValue: 0.2 },
    });
    await cloud.kms.createSecret({ secretName: "both", secretData: "v", versionId: "v1" });
    const kms = oneShot(cloud);

    const first = await outcome(kms.getSecretValue({ secretName: "both" }));
    const second = await outcome(kms.getSecretValue({ secretName: "both" }));
    const described = await outcome(kms.describeSecret({ secretName: "both" }));

    expect([first, second, described]).toEqual(["ok", "429 Rejected.Throttling", "ok"]);
    expect(cloud.callStats().groups["secret-value"]).toMatchObject({ calls: 2, throttled: 1 });
  });

  it("refuses a tag-filtered listing that matches more secrets than the preset's cap", async () => {
    const cloud = await quotaCloud({ quotas: { preset: "alibaba", tagFilterMatchLimit: 2 } });
    for (const name of ["a", "b", "c"]) {
      await cloud.kms.createSecret({
        secretName: `capped/${name}`,
        secretData: "v",
        versionId: "v1",
        tags: [{ key: "team", value: name === "c" ? "other" : "db" }],
      });
    }
    const kms = oneShot(cloud);

    const byKey = await outcome(
      kms.listSecrets({ filters: [{ key: "TagKey", values: ["team"] }] }),
    );
    const byValue = await kms.listSecrets({ filters: [{ key: "TagValue", values: ["db"] }] });
    const byName = await kms.listSecrets({ filters: [{ key: "SecretName", values: ["capped/"] }] });

    expect(byKey).toBe("400 Rejected.LimitExceeded");
    expect(byValue.totalCount).toBe(2);
    expect(byName.totalCount).toBe(3);
  });

  it("counts calls per action without quotas too, and serves the counts over HTTP", async () => {
    const cloud = await quotaCloud({});
    await cloud.kms.createSecret({ secretName: "counted", secretData: "v", versionId: "v1" });
    await cloud.kms.getSecretValue({ secretName: "counted" });
    await cloud.kms.getSecretValue({ secretName: "counted" });

    const stats = await statsOverHttp(cloud.endpoint);

    expect(stats.quotas).toBeNull();
    expect(stats.groups).toEqual({});
    expect(stats.actions["kms:GetSecretValue"]).toMatchObject({
      calls: 2,
      admitted: 2,
      throttled: 0,
    });
    expect(stats.actions["kms:CreateSecret"]).toMatchObject({ calls: 1 });
    expect(stats.state.secrets).toBe(1);
    expect(stats.memory.rssBytes).toBeGreaterThan(0);
    expect(stats.memory.heapUsedBytes).toBeGreaterThan(0);
  });

  it("starts its counts again after a reset", async () => {
    const cloud = await quotaCloud({ quotas: "alibaba" });
    await cloud.kms.getRandomPassword();

    const reset = await fetch(`${cloud.endpoint}/.rotor/stats/reset`, { method: "POST" });
    const stats = await statsOverHttp(cloud.endpoint);

    expect(reset.status).toBe(200);
    expect(stats.actions).toEqual({});
    expect(stats.groups["random-password"]).toMatchObject({ calls: 0, peakCallsPerSecond: 0 });
  });
});

describe("parseQuotaSpec (the command's --quotas)", () => {
  it("reads a preset and per-group limits", () => {
    expect(parseQuotaSpec("alibaba")).toEqual({ preset: "alibaba", limits: {} });
    expect(parseQuotaSpec("alibaba,secret-write=40,secret-list=20")).toEqual({
      preset: "alibaba",
      limits: { "secret-write": 40, "secret-list": 20 },
    });
  });

  it.each([
    ["aws", "preset"],
    ["alibaba,secret-lists=4", "secret-lists"],
    ["alibaba,secret-list=0", "secret-list=0"],
    ["alibaba,secret-list", "secret-list"],
  ])("refuses %j, naming what is wrong", (spec, named) => {
    expect(() => parseQuotaSpec(spec)).toThrow(named);
  });
});

describe("rotor local-cloud --quotas", () => {
  it("throttles and reports through the command as in-process", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-quotas-"));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true, maxRetries: 3 }));
    const cli: CliCloud = await startCliCloud(stateDir, [
      "--no-functions",
      "--quotas",
      "alibaba,secret-create-delete=0.2",
      "--quota-scale",
      "2",
    ]);
    cleanups.push(() => cli.stop("SIGKILL"));
    const account = await readAccount(stateDir);
    const kms = new KmsClient({
      endpoint: cli.endpoint,
      credentials: account,
      retry: { attempts: 1 },
    });

    const created = await outcome(
      kms.createSecret({ secretName: "c1", secretData: "v", versionId: "v1" }),
    );
    const again = await outcome(
      kms.createSecret({ secretName: "c2", secretData: "v", versionId: "v1" }),
    );
    const stats = await statsOverHttp(cli.endpoint);

    expect([created, again]).toEqual(["ok", "429 Rejected.Throttling"]);
    expect(stats.groups["secret-create-delete"]).toMatchObject({
      limitPerSecond: 0.4,
      calls: 2,
      throttled: 1,
    });
    expect(stats.groups["secret-value"]).toMatchObject({ limitPerSecond: 900 });
    expect(cli.startupLines.join("\n")).toContain("quotas: alibaba");
  });

  it("refuses a bad --quotas before anything starts", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-quotas-"));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true, maxRetries: 3 }));

    const failed = await startCliCloud(stateDir, ["--no-functions", "--quotas", "aws"]).then(
      () => "started",
      (error: Error) => error.message,
    );

    expect(failed).toContain("--quotas");
  });
});

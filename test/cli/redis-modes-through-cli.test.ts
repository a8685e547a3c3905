/**
 * `rotor rotate`, `rotor rotate --tag … --emergency` and `rotor cancel`
 * through the CLI for the Redis kind in its default, dual-account mode, on
 * a real redis-server: ACL users through a master secret, and ApsaraDB for
 * Redis/Tair accounts through the local cloud's R-kvstore API (the CLI
 * allowed the instance by ROTOR_REDIS_INSTANCES, as a function is; without
 * it, refused with nothing changed). every-built-in-kind.test.ts covers the
 * single-user mode.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { KvstoreClient } from "../../src/cloud-api/kvstore-client.ts";
import type { RedisSecretValue } from "../../src/core/rotators/redis/redis-secret-value.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import {
  createApplicationUser,
  createMasterSecret,
} from "../core/rotators/redis/redis-fixtures.ts";
import {
  kvstoreAccountName,
  kvstorePassword,
  redisBacking,
} from "../local-cloud/kvstore/local-kvstore-world.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";

/** One dual-account secret, and the target it rotates on. */
interface RedisCase {
  what: "ACL users through a master" | "ApsaraDB accounts";
  secretName: string;
}

describe.skipIf(skipUnlessRedis())("the redis kind in dual-account mode through the CLI", () => {
  const instanceId = `r-cli${randomBytes(4).toString("hex")}`;
  let redis: RunningRedis;
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let kvstore: KvstoreClient;
  let env: Record<string, string>;
  /** The local cloud's clock runs this far from the real one (to leave an old rotation behind). */
  let clockOffset = 0;

  beforeAll(async () => {
    redis = await startRedis({ adminUser: "admin" });
    cloud = await startLocalCloud({
      now: () => Date.now() + clockOffset,
      redisInstances: { [instanceId]: redisBacking(redis) },
    });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    kvstore = new KvstoreClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
    });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: cloud.region,
      ROTOR_REDIS_INSTANCES: instanceId,
    };
    // The rotator's R-kvstore client finds its endpoint in the process's environment.
    vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await cloud?.close();
    await redis?.stop();
  });

  async function rotor(args: string[], extraEnv: Record<string, string | undefined> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const runEnv = Object.fromEntries(
      Object.entries({ ...env, ...extraEnv }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const code = await main(args, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: runEnv,
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  async function storeSecret(value: RedisSecretValue, tags: Record<string, string> = {}) {
    const secretName = `rotor/redis/cli-${randomUUID().slice(0, 8)}`;
    await kms.createSecret({
      secretName,
      versionId: "v0",
      secretData: JSON.stringify(value),
      tags: Object.entries({ "rotor:rotator": "redis", ...tags }).map(([key, val]) => ({
        key,
        value: val,
      })),
    });
    return secretName;
  }

  /** An ApsaraDB account made the ApsaraDB way, and its secret value (dual mode: the default). */
  async function apsaraDbAccount(): Promise<RedisSecretValue> {
    const AccountName = kvstoreAccountName();
    const AccountPassword = kvstorePassword();
    await kvstore.createAccount({
      instanceId,
      accountName: AccountName,
      accountPassword: AccountPassword,
      accountPrivilege: "RoleReadWrite",
    });
    return {
      AccountName,
      AccountPassword,
      engine: "redis",
      host: redis.host,
      port: redis.port,
      InstanceId: instanceId,
    };
  }

  /** A dual-account secret of each target, all tagged with `tags`. */
  async function bothTargets(tags: Record<string, string> = {}): Promise<RedisCase[]> {
    const master = await createMasterSecret(
      kms,
      redis,
      `rotor-master/redis/cli-${randomUUID().slice(0, 8)}`,
    );
    const aclUser = await createApplicationUser(redis, { masterSecret: master });
    return [
      { what: "ACL users through a master", secretName: await storeSecret(aclUser, tags) },
      { what: "ApsaraDB accounts", secretName: await storeSecret(await apsaraDbAccount(), tags) },
    ];
  }

  const read = async (secretName: string, versionStage = "ACSCurrent") => {
    const version = await kms.getSecretValue({ secretName, versionStage });
    return {
      ...(JSON.parse(version.secretData) as RedisSecretValue),
      versionId: version.versionId,
    };
  };
  const logsIn = (value: RedisSecretValue) =>
    redis.canLogin(value.AccountName, value.AccountPassword);

  async function stagesOf(secretName: string): Promise<string[]> {
    const { versions } = await kms.listSecretVersionIds({ secretName });
    return versions.flatMap((version) => version.versionStages).sort();
  }

  it("rotor rotate makes the alternate current; the previous account keeps working", async () => {
    // Prepare
    const cases = await bothTargets();
    const before = new Map<string, RedisSecretValue>();
    for (const c of cases) before.set(c.what, await read(c.secretName));

    // Act
    const runs = [];
    for (const c of cases) runs.push({ c, run: await rotor(["rotate", c.secretName, "--json"]) });

    // Assess
    for (const { c, run } of runs) {
      expect({ what: c.what, code: run.code, err: run.err }).toEqual({
        what: c.what,
        code: 0,
        err: "",
      });
      expect(JSON.parse(run.out)).toMatchObject({ outcome: "rotated" });
      const first = before.get(c.what) as RedisSecretValue;
      const current = await read(c.secretName);
      const previous = await read(c.secretName, "ACSPrevious");
      expect(current.AccountName).toBe(`${first.AccountName}_rt`);
      expect(previous.AccountName).toBe(first.AccountName);
      expect(await logsIn(current)).toBe(true);
      expect(await logsIn(previous)).toBe(true);
    }
  });

  it("rotor rotate --tag … --emergency rotates both; no leaked password logs in afterwards", async () => {
    // Prepare: one ordinary rotation first, so each secret holds both accounts' passwords.
    const leak = `leak-${randomUUID().slice(0, 8)}`;
    const cases = await bothTargets({ leak });
    for (const c of cases) expect((await rotor(["rotate", c.secretName])).code).toBe(0);
    const leaked = new Map<string, RedisSecretValue[]>();
    for (const c of cases) {
      leaked.set(c.what, [await read(c.secretName), await read(c.secretName, "ACSPrevious")]);
    }

    // Act
    const run = await rotor(["rotate", "--tag", `leak=${leak}`, "--emergency", "--json"]);

    // Assess
    const summary = JSON.parse(run.out) as {
      total: number;
      results: { secretName: string; outcome: string; error?: string }[];
    };
    expect(summary.results.filter((result) => result.outcome !== "rotated")).toEqual([]);
    expect(run.code).toBe(0);
    expect(summary.total).toBe(cases.length);
    for (const c of cases) {
      const current = await read(c.secretName);
      expect(await logsIn(current)).toBe(true);
      for (const value of leaked.get(c.what) ?? []) {
        expect({ what: c.what, leakedLogsIn: await logsIn(value) }).toEqual({
          what: c.what,
          leakedLogsIn: false,
        });
      }
      const { tags } = await kms.describeSecret({ secretName: c.secretName, fetchTags: true });
      expect(tags.map((tag) => tag.key)).not.toContain("rotor:revoke-pending");
    }
    expect(run.out).not.toContain((leaked.get("ApsaraDB accounts") ?? [])[0]?.AccountPassword);
  });

  it("rotor cancel clears a stuck rotation; ACSCurrent stays and works, and the next rotation starts afresh", async () => {
    // Prepare: each secret was made, and its rotation stored its pending
    // version and set it, an hour ago; then the rotation stopped.
    const before = new Map<string, string>();
    const tokens = new Map<string, string>();
    clockOffset = -60 * 60 * 1000;
    let cases: RedisCase[] = [];
    try {
      cases = await bothTargets();
      for (const c of cases) before.set(c.what, (await read(c.secretName)).versionId);
      for (const c of cases) {
        const created = await rotor(["rotate", c.secretName, "--step", "createSecret", "--json"]);
        expect({ what: c.what, code: created.code, err: created.err }).toEqual({
          what: c.what,
          code: 0,
          err: "",
        });
        const { versionId } = JSON.parse(created.out) as { versionId: string };
        tokens.set(c.what, versionId);
        const set = await rotor([
          "rotate",
          c.secretName,
          "--step",
          "setSecret",
          "--version-id",
          versionId,
        ]);
        expect({ what: c.what, code: set.code, err: set.err }).toEqual({
          what: c.what,
          code: 0,
          err: "",
        });
      }
    } finally {
      clockOffset = 0;
    }

    // Act
    const runs = [];
    for (const c of cases) runs.push({ c, run: await rotor(["cancel", c.secretName, "--json"]) });
    const next = [];
    for (const c of cases) next.push(await rotor(["rotate", c.secretName, "--json"]));

    // Assess
    for (const { c, run } of runs) {
      expect({ what: c.what, code: run.code, err: run.err }).toEqual({
        what: c.what,
        code: 0,
        err: "",
      });
      expect(JSON.parse(run.out)).toEqual({
        secretName: c.secretName,
        cancelledVersionId: tokens.get(c.what),
      });
    }
    for (const [index, c] of cases.entries()) {
      expect({ what: c.what, err: next[index]?.err }).toEqual({ what: c.what, err: "" });
      expect(JSON.parse(next[index]?.out ?? "{}")).toMatchObject({ outcome: "rotated" });
      expect(await stagesOf(c.secretName)).toEqual(["ACSCurrent", "ACSPrevious"]);
      const previous = await read(c.secretName, "ACSPrevious");
      expect(previous.versionId).toBe(before.get(c.what));
      expect(await logsIn(previous)).toBe(true);
      expect(await logsIn(await read(c.secretName))).toBe(true);
    }
  });

  it("refuses an ApsaraDB instance the CLI's ROTOR_REDIS_INSTANCES does not list, changing nothing", async () => {
    // Prepare
    const value = await apsaraDbAccount();
    const secretName = await storeSecret(value);
    const accountsBefore = (await kvstore.describeAccounts({ instanceId })).accounts;

    // Act
    const run = await rotor(["rotate", secretName], { ROTOR_REDIS_INSTANCES: undefined });

    // Assess
    expect(run.code).toBe(1);
    expect(run.err).toContain("ROTOR_REDIS_INSTANCES");
    expect(run.err).toContain(instanceId);
    expect(await stagesOf(secretName)).toEqual(["ACSCurrent"]);
    expect((await kvstore.describeAccounts({ instanceId })).accounts).toEqual(accountsBefore);
    expect(await logsIn(value)).toBe(true);
  });
});

/**
 * `rotor rotate`, `rotor rotate --tag … --emergency` and `rotor cancel`
 * for secrets on PolarDB clusters, through the CLI as an operator runs it:
 * the rotators come from the registry, the PolarDB calls go to the local
 * cloud (ROTOR_ENDPOINT) as the operator's keys, and the deployment's
 * ROTOR_POLARDB_CLUSTERS names the clusters. A dual-account MySQL secret
 * (PolarDB for MySQL, the alternate made through the API) and a
 * pre-created PostgreSQL pair (PolarDB for PostgreSQL) on real servers.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import type { LocalPolarDbCluster } from "../../src/local-cloud/polardb/local-polardb-cluster.ts";
import {
  createPolarDbApplication,
  POLARDB_MYSQL,
  POLARDB_POSTGRES,
  type PolarDbRotationEngine,
  type PolarDbSecretValue,
} from "../core/rotators/database-polardb/polardb-rotation-fixtures.ts";
import {
  type LocalPolarDbWorld,
  polarDbClientsFor,
} from "../local-cloud/polardb/local-polardb-world.ts";
import { mariaDbBacking, postgresBacking } from "../local-cloud/rds/rds-backing-servers.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";

const skip = skipUnlessMariaDb() || (await skipUnlessPostgres());

describe.skipIf(skip)("PolarDB secrets through the CLI", () => {
  let cloud: TestCloud;
  let mariadb: RunningMariaDb;
  let postgres: RunningPostgres;
  let env: Record<string, string>;
  /** One world per edition, sharing the cloud the CLI talks to. */
  const worlds = new Map<PolarDbRotationEngine, LocalPolarDbWorld>();
  /** The local cloud's clock runs this far from the real one (to leave an old rotation behind). */
  let clockOffset = 0;

  beforeAll(async () => {
    [mariadb, postgres] = await Promise.all([startMariaDb(), startPostgres()]);
    const backings = [
      [POLARDB_MYSQL, mariaDbBacking(mariadb)],
      [POLARDB_POSTGRES, postgresBacking(postgres)],
    ] as const;
    const clusters = backings.map(([engine, backing]) => ({
      engine,
      backing,
      clusterId: `pc-cli${randomBytes(4).toString("hex")}`,
      cluster: { ...backing.instance, engine: engine.edition } as LocalPolarDbCluster,
    }));
    cloud = await startTestCloud({
      inMemory: true,
      now: () => Date.now() + clockOffset,
      polardbClusters: Object.fromEntries(clusters.map((c) => [c.clusterId, c.cluster])),
    });
    for (const { engine, backing, clusterId, cluster } of clusters) {
      worlds.set(engine, {
        cloud,
        clusterId,
        cluster,
        adminDatabase: cluster.adminDatabase,
        logLines: [],
        polardb: polarDbClientsFor(cloud),
        createDatabase: backing.createDatabase,
        canLogin: backing.canLogin,
        runAs: backing.runAs,
        runAsAdmin: backing.runAsAdmin,
      });
    }
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: cloud.region,
      ROTOR_POLARDB_CLUSTERS: clusters.map((c) => c.clusterId).join(","),
    };
    // The database rotators' PolarDB clients find their endpoint in the process's environment.
    vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
  }, 180_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await cloud?.close();
    await Promise.all([mariadb?.stop(), postgres?.stop()]);
  });

  async function rotor(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  interface PolarDbCase {
    edition: string;
    secretName: string;
    works(data: string): Promise<boolean>;
  }

  /** A dual-account secret on each edition's cluster, tagged leak=<leak>. */
  async function bothEditions(leak = randomUUID().slice(0, 8)): Promise<PolarDbCase[]> {
    const cases: PolarDbCase[] = [];
    for (const [engine, world] of worlds) {
      const { value, second } = await createPolarDbApplication(world, engine, "dual");
      const secretName = `cli-polardb/${engine.kind}/${randomUUID().slice(0, 8)}`;
      // A pre-created pair stores its second account first, so ACSPrevious holds its password.
      const versions = second ? [{ ...value, ...second }, value] : [value];
      for (const [index, version] of versions.entries()) {
        const write = { secretName, versionId: `v${index}`, secretData: JSON.stringify(version) };
        if (index === 0) {
          await cloud.kms.createSecret({
            ...write,
            tags: [
              { key: "rotor:rotator", value: engine.kind },
              { key: "leak", value: leak },
            ],
          });
        } else {
          await cloud.kms.putSecretValue(write);
        }
      }
      cases.push({
        edition: engine.edition,
        secretName,
        works: (data) => {
          const stored = JSON.parse(data) as PolarDbSecretValue;
          return world.canLogin(stored.AccountName, stored.AccountPassword, stored.database);
        },
      });
    }
    return cases;
  }

  const current = (secretName: string) => cloud.kms.getSecretValue({ secretName });

  async function stagesOf(secretName: string): Promise<string[]> {
    const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
    return versions.flatMap((version) => version.versionStages).sort();
  }

  it("rotor rotate rotates a secret on each edition's cluster; the new current and the previous log in", async () => {
    // Prepare
    const cases = await bothEditions();
    // Act
    const runs = [];
    for (const c of cases) runs.push({ c, run: await rotor("rotate", c.secretName, "--json") });
    // Assess
    for (const { c, run } of runs) {
      expect({ edition: c.edition, code: run.code, err: run.err }).toEqual({
        edition: c.edition,
        code: 0,
        err: "",
      });
      expect(JSON.parse(run.out)).toMatchObject({ outcome: "rotated" });
      const now = await current(c.secretName);
      expect(now.versionId).not.toMatch(/^v\d$/);
      expect(await c.works(now.secretData)).toBe(true);
      const previous = await cloud.kms.getSecretValue({
        secretName: c.secretName,
        versionStage: "ACSPrevious",
      });
      expect(await c.works(previous.secretData)).toBe(true);
      expect(await stagesOf(c.secretName)).toEqual(["ACSCurrent", "ACSPrevious"]);
    }
  }, 120_000);

  it("rotor rotate --tag … --emergency rotates both and neither leaked password logs in", async () => {
    // Prepare: one ordinary rotation, so both accounts' passwords are in the secret
    const leak = `emergency-${randomUUID().slice(0, 8)}`;
    const cases = await bothEditions(leak);
    for (const c of cases) expect((await rotor("rotate", c.secretName)).code).toBe(0);
    const leaked = new Map<string, string[]>();
    for (const c of cases) {
      leaked.set(c.secretName, [
        (await current(c.secretName)).secretData,
        (
          await cloud.kms.getSecretValue({
            secretName: c.secretName,
            versionStage: "ACSPrevious",
          })
        ).secretData,
      ]);
    }
    // Act
    const run = await rotor("rotate", "--tag", `leak=${leak}`, "--emergency", "--json");
    // Assess
    const summary = JSON.parse(run.out) as {
      total: number;
      results: { secretName: string; outcome: string }[];
    };
    expect(summary.results.filter((result) => result.outcome !== "rotated")).toEqual([]);
    expect(run.code).toBe(0);
    expect(summary.total).toBe(cases.length);
    for (const c of cases) {
      expect(await c.works((await current(c.secretName)).secretData)).toBe(true);
      for (const data of leaked.get(c.secretName) ?? []) expect(await c.works(data)).toBe(false);
      const { tags } = await cloud.kms.describeSecret({
        secretName: c.secretName,
        fetchTags: true,
      });
      expect(tags.map((tag) => tag.key)).not.toContain("rotor:revoke-pending");
    }
  }, 120_000);

  it("rotor cancel clears a stuck rotation on each edition; ACSCurrent stays and logs in", async () => {
    // Prepare: each rotation stored its pending version an hour ago, then stopped.
    const cases = await bothEditions();
    const before = new Map<string, string>();
    const stagesBefore = new Map<string, string[]>();
    for (const c of cases) {
      before.set(c.secretName, (await current(c.secretName)).versionId);
      stagesBefore.set(c.secretName, await stagesOf(c.secretName));
    }
    const tokens = new Map<string, string>();
    clockOffset = -60 * 60 * 1000;
    try {
      for (const c of cases) {
        const created = await rotor("rotate", c.secretName, "--step", "createSecret", "--json");
        expect({ edition: c.edition, code: created.code, err: created.err }).toEqual({
          edition: c.edition,
          code: 0,
          err: "",
        });
        tokens.set(c.secretName, (JSON.parse(created.out) as { versionId: string }).versionId);
      }
    } finally {
      clockOffset = 0;
    }
    // Act
    const runs = [];
    for (const c of cases) runs.push({ c, run: await rotor("cancel", c.secretName, "--json") });
    // Assess
    for (const { c, run } of runs) {
      expect({ edition: c.edition, code: run.code, err: run.err }).toEqual({
        edition: c.edition,
        code: 0,
        err: "",
      });
      expect(JSON.parse(run.out)).toEqual({
        secretName: c.secretName,
        cancelledVersionId: tokens.get(c.secretName),
      });
      expect(await stagesOf(c.secretName)).toEqual(stagesBefore.get(c.secretName));
      const now = await current(c.secretName);
      expect(now.versionId).toBe(before.get(c.secretName));
      expect(await c.works(now.secretData)).toBe(true);
    }
  }, 120_000);

  it("rotor rotate refuses a cluster the deployment does not list, naming the variable; nothing changes", async () => {
    // Prepare: every RDS instance is allowed, but no PolarDB cluster
    const cases = await bothEditions();
    const outside = { ...env, ROTOR_POLARDB_CLUSTERS: "", ROTOR_RDS_INSTANCES: "*" };
    // Act
    const runs = [];
    for (const c of cases) {
      const before = await current(c.secretName);
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(["rotate", c.secretName], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: outside,
      });
      runs.push({ c, before, code, err: err.join("\n") });
    }
    // Assess
    for (const { c, before, code, err } of runs) {
      expect(code, c.edition).not.toBe(0);
      expect(err).toMatch(/ROTOR_POLARDB_CLUSTERS/);
      const now = await current(c.secretName);
      expect(now.versionId).toBe(before.versionId);
      expect(await c.works(now.secretData)).toBe(true);
    }
  }, 120_000);
});

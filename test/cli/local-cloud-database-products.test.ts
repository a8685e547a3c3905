/**
 * `rotor local-cloud` serving the database products from its flags and
 * config file: a Redis instance over TLS from `--redis-instance` (its CA
 * from a file) and a PolarDB for MySQL cluster from `--config`, each
 * managed through its API as the clients call it, on the real servers.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KvstoreClient } from "../../src/cloud-api/kvstore-client.ts";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
import { mariaDbBacking, type RdsBackingServer } from "../local-cloud/rds/rds-backing-servers.ts";
import { type CliCloud, readAccount, startCliCloud } from "../local-cloud/support/cli-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";

const skip = skipUnlessRedis() || skipUnlessMariaDb();

describe.skipIf(skip)("rotor local-cloud with a Redis instance and a PolarDB cluster", () => {
  const [redisId, clusterId] = ["r-cli01", "pc-cli01"];
  let redis: RunningRedis;
  let mariaDb: RunningMariaDb;
  let backing: RdsBackingServer;
  let dir: string;
  let cli: CliCloud;
  let credentials: { accessKeyId: string; accessKeySecret: string };

  beforeAll(async () => {
    [redis, mariaDb] = await Promise.all([
      startRedis({ adminUser: "admin", tls: true }),
      startMariaDb(),
    ]);
    backing = mariaDbBacking(mariaDb);
    dir = await mkdtemp(join(tmpdir(), "rotor-cli-databases-"));
    await writeFile(join(dir, "redis-ca.pem"), redis.tls?.ca ?? "");
    const configFile = join(dir, "local-cloud.json");
    await writeFile(
      configFile,
      JSON.stringify({
        polardbClusters: { [clusterId]: { ...backing.instance, engine: "MySQL" } },
      }),
      { mode: 0o600 },
    );
    cli = await startCliCloud(
      join(dir, "state"),
      [
        "--config",
        configFile,
        "--no-functions",
        "--redis-instance",
        `${redisId}=rediss://admin@${redis.host}:${redis.port}?password-env=REDIS_ADMIN&ca-file=${join(dir, "redis-ca.pem")}`,
      ],
      { REDIS_ADMIN: redis.adminPassword },
    );
    const account = await readAccount(join(dir, "state"));
    credentials = { accessKeyId: account.accessKeyId, accessKeySecret: account.accessKeySecret };
  }, 180_000);
  afterAll(async () => {
    await cli?.stop();
    await redis?.stop();
    await mariaDb?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("says what it serves, and serves both through their APIs", async () => {
    // Prepare
    const kvstore = new KvstoreClient({ endpoint: cli.endpoint, credentials });
    const polardb = new PolarDbClient({ endpoint: cli.endpoint, credentials });
    const [redisAccount, polarAccount] = [
      `app_${randomBytes(3).toString("hex")}`,
      `app_${randomBytes(3).toString("hex")}`,
    ];
    const password = `Cli-${randomBytes(8).toString("hex")}A`;
    // Act
    await kvstore.createAccount({
      instanceId: redisId,
      accountName: redisAccount,
      accountPassword: password,
      accountPrivilege: "RoleReadOnly",
    });
    await polardb.createAccount({
      dbClusterId: clusterId,
      accountName: polarAccount,
      accountPassword: password,
    });
    // Assess
    expect(cli.startupLines).toContain(
      `redis instance ${redisId}: ${redis.host}:${redis.port} over TLS`,
    );
    expect(cli.startupLines).toContain(
      `polardb cluster ${clusterId}: MySQL at ${mariaDb.host}:${mariaDb.port}`,
    );
    expect(await redis.canLogin(redisAccount, password)).toBe(true);
    expect(await backing.canLogin(polarAccount, password)).toBe(true);
    const { accounts } = await kvstore.describeAccounts({ instanceId: redisId });
    expect(accounts.map((account) => [account.accountName, account.accountPrivilege])).toEqual([
      [redisAccount, "RoleReadOnly"],
    ]);
    expect(cli.output()).not.toContain(redis.adminPassword);
  });
});

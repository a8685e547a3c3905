/**
 * A real MariaDB (PolarDB for MySQL) or PostgreSQL (PolarDB for PostgreSQL)
 * standing behind a DBClusterId of a local cloud, and PolarDB clients for
 * that cloud: what the local PolarDB product tests share. The server-side
 * checks (logins, statements) are the RDS tests' (rds-backing-servers.ts):
 * a PolarDB cluster is the same kind of server.
 */
import { randomBytes } from "node:crypto";
import { PolarDbClient, type PolarDbClientOptions } from "../../../src/cloud-api/polardb-client.ts";
import type { LocalPolarDbCluster } from "../../../src/local-cloud/polardb/local-polardb-cluster.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import { startMariaDb } from "../../support/mariadb.ts";
import { startPostgres } from "../../support/postgres.ts";
import { useSuiteWorld } from "../rds/local-rds-world.ts";
import {
  mariaDbBacking,
  postgresBacking,
  type RdsBackingServer,
} from "../rds/rds-backing-servers.ts";

export interface LocalPolarDbWorld extends Omit<RdsBackingServer, "instance"> {
  cloud: TestCloud;
  clusterId: string;
  cluster: LocalPolarDbCluster;
  /** Where a PostgreSQL administrator connects (PostgreSQL clusters only). */
  adminDatabase: string | undefined;
  logLines: string[];
  /** A client for the cloud, as root unless other credentials are given; fast retries. */
  polardb(options?: Omit<PolarDbClientOptions, "endpoint">): PolarDbClient;
}

/** Starts the edition's server and a local cloud (memory only) in beforeAll, stops both in afterAll. */
export function useLocalPolarDb(engine: "MySQL" | "PostgreSQL"): () => LocalPolarDbWorld {
  return useSuiteWorld(
    `useLocalPolarDb(${engine})`,
    async (atEnd) => {
      let backing: RdsBackingServer;
      if (engine === "MySQL") {
        const mariaDb = await startMariaDb();
        atEnd(() => mariaDb.stop());
        backing = mariaDbBacking(mariaDb);
      } else {
        const postgres = await startPostgres();
        atEnd(() => postgres.stop());
        backing = postgresBacking(postgres);
      }
      const cluster: LocalPolarDbCluster = { ...backing.instance, engine };
      const clusterId = `pc-local${randomBytes(4).toString("hex")}`;
      const logLines: string[] = [];
      const cloud = await startTestCloud({
        inMemory: true,
        log: (line) => logLines.push(line),
        polardbClusters: { [clusterId]: cluster },
      });
      atEnd(() => cloud.close());
      return {
        cloud,
        clusterId,
        cluster,
        adminDatabase: cluster.adminDatabase,
        logLines,
        polardb: polarDbClientsFor(cloud),
        createDatabase: backing.createDatabase,
        canLogin: backing.canLogin,
        runAs: backing.runAs,
        runAsAdmin: backing.runAsAdmin,
      };
    },
    180_000,
  );
}

export function polarDbClientsFor(cloud: TestCloud): LocalPolarDbWorld["polardb"] {
  return (options = {}) =>
    new PolarDbClient({
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...options,
      endpoint: cloud.endpoint,
    });
}

/** A password PolarDB accepts (upper, lower, digits and a special), unique per call. */
export function polarDbPassword(): string {
  return `Pc-${randomBytes(10).toString("hex")}A`;
}

/** An account name PolarDB accepts (16 characters at most), unique per call. */
export function polarDbAccountName(prefix = "app"): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/** A new Normal account made with CreateAccount, for a test to act on. */
export async function newPolarDbAccount(
  world: LocalPolarDbWorld,
  options: { prefix?: string } = {},
): Promise<{ name: string; password: string }> {
  const name = polarDbAccountName(options.prefix);
  const password = polarDbPassword();
  await world.polardb().createAccount({
    dbClusterId: world.clusterId,
    accountName: name,
    accountPassword: password,
    accountType: "Normal",
  });
  return { name, password };
}

/** The account as DescribeAccounts reports it (undefined when there is none). */
export async function describedAccount(world: LocalPolarDbWorld, name: string) {
  const { accounts } = await world
    .polardb()
    .describeAccounts({ dbClusterId: world.clusterId, accountName: name });
  return accounts[0];
}

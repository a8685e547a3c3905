/**
 * The database servers behind the PolarDB kinds of a crash campaign: a real
 * MariaDB (a PolarDB for MySQL cluster) and a real PostgreSQL (a PolarDB
 * for PostgreSQL cluster), started before the local cloud, because its
 * PolarDB product must know each DBClusterId when it starts (and again at
 * every restart of a cloud the campaign killed).
 */
import { randomBytes } from "node:crypto";
import type { LocalPolarDbClusters } from "../../src/local-cloud/polardb/local-polardb-cluster.ts";
import {
  mariaDbBacking,
  postgresBacking,
  type RdsBackingServer,
} from "../../test/local-cloud/rds/rds-backing-servers.ts";
import { startMariaDb } from "../../test/support/mariadb.ts";
import { startPostgres } from "../../test/support/postgres.ts";

export const POLARDB_CAMPAIGN_KINDS = ["mysql-polardb", "postgres-polardb"] as const;
export type PolarDbCampaignKind = (typeof POLARDB_CAMPAIGN_KINDS)[number];

export interface CampaignPolarDbCluster {
  clusterId: string;
  /** The server behind the cluster, as the administrator and the accounts reach it. */
  backing: RdsBackingServer;
}

export interface CampaignPolarDb {
  /** What the local cloud is started with. */
  clusters: LocalPolarDbClusters;
  /** The cluster of each kind started. */
  cluster(kind: PolarDbCampaignKind): CampaignPolarDbCluster;
  stop(): Promise<void>;
}

/** Starts one server per PolarDB kind asked for. */
export async function startCampaignPolarDb(
  kinds: readonly PolarDbCampaignKind[],
): Promise<CampaignPolarDb> {
  const started = new Map<PolarDbCampaignKind, CampaignPolarDbCluster>();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const each of stops) await each();
  };
  try {
    for (const kind of kinds) {
      const clusterId = `pc-campaign${randomBytes(4).toString("hex")}`;
      if (kind === "mysql-polardb") {
        const server = await startMariaDb();
        stops.push(() => server.stop());
        started.set(kind, { clusterId, backing: mariaDbBacking(server) });
      } else {
        const server = await startPostgres();
        stops.push(() => server.stop());
        started.set(kind, { clusterId, backing: postgresBacking(server) });
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const clusters = Object.fromEntries(
    [...started].map(([kind, { clusterId, backing }]) => [
      clusterId,
      { ...backing.instance, engine: kind === "mysql-polardb" ? "MySQL" : "PostgreSQL" },
    ]),
  ) as LocalPolarDbClusters;
  return {
    clusters,
    cluster(kind) {
      const cluster = started.get(kind);
      if (!cluster) throw new Error(`the campaign started no ${kind} cluster`);
      return cluster;
    },
    stop,
  };
}

/**
 * A real MariaDB standing behind a DBInstanceId (engine `MySQL`) of a local
 * cloud, and RDS clients for that cloud: what the RDS MySQL product tests and
 * the RDS MySQL rotation tests share.
 */
import { type RunningMariaDb, startMariaDb } from "../../support/mariadb.ts";
import { type LocalRdsWorld, startLocalRdsWorld, useSuiteWorld } from "./local-rds-world.ts";
import { mariaDbBacking } from "./rds-backing-servers.ts";

export interface LocalRds extends LocalRdsWorld {
  mariaDb: RunningMariaDb;
}

/** Starts MariaDB and a local cloud in beforeAll, stops both in afterAll. */
export function useLocalRds(): () => LocalRds {
  return useSuiteWorld(
    "useLocalRds()",
    async (atEnd) => {
      const mariaDb = await startMariaDb();
      atEnd(() => mariaDb.stop());
      const world = await startLocalRdsWorld(atEnd, mariaDb, mariaDbBacking(mariaDb), "rm-");
      return { ...world, mariaDb };
    },
    120_000,
  );
}

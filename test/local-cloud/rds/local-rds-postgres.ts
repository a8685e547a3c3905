/**
 * A real PostgreSQL standing behind a DBInstanceId (engine `PostgreSQL`) of a
 * local cloud, and RDS clients for that cloud: what the RDS PostgreSQL
 * product tests and the RDS PostgreSQL rotation tests share.
 */
import { type RunningPostgres, startPostgres } from "../../support/postgres.ts";
import { type LocalRdsWorld, startLocalRdsWorld, useSuiteWorld } from "./local-rds-world.ts";
import { postgresBacking } from "./rds-backing-servers.ts";

export interface LocalPostgresRds extends LocalRdsWorld {
  postgres: RunningPostgres;
}

/** Starts PostgreSQL and a local cloud in beforeAll, stops both in afterAll. */
export function useLocalPostgresRds(): () => LocalPostgresRds {
  return useSuiteWorld(
    "useLocalPostgresRds()",
    async (atEnd) => {
      const postgres = await startPostgres();
      atEnd(() => postgres.stop());
      const world = await startLocalRdsWorld(atEnd, postgres, postgresBacking(postgres), "pgm-");
      return { ...world, postgres };
    },
    180_000,
  );
}

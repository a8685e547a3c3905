/**
 * A real PostgreSQL standing behind a DBInstanceId (engine `PostgreSQL`) of a
 * local cloud, and RDS clients for that cloud: what the RDS PostgreSQL
 * product tests and the RDS PostgreSQL rotation tests share.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startTestCloud } from "../support/local-cloud.ts";
import { type RunningPostgres, startPostgres } from "../support/postgres.ts";
import { type LocalRdsWorld, rdsClientsFor, useSuiteWorld } from "./local-rds-world.ts";

export interface LocalPostgresRds extends LocalRdsWorld {
  postgres: RunningPostgres;
  /** Runs one statement as the administrator on `database`. */
  runAsAdmin(database: string, sql: string): Promise<void>;
}

/** SQLSTATEs of a refused login: wrong password, or no such role / not allowed. */
const REFUSED_LOGIN = new Set(["28P01", "28000"]);

/** Starts PostgreSQL and a local cloud in beforeAll, stops both in afterAll. */
export function useLocalPostgresRds(): () => LocalPostgresRds {
  return useSuiteWorld(
    "useLocalPostgresRds()",
    async (atEnd) => {
      const postgres = await startPostgres();
      atEnd(() => postgres.stop());
      const instanceId = `pgm-local${randomBytes(4).toString("hex")}`;
      const logLines: string[] = [];
      const cloud = await startTestCloud({
        inMemory: true,
        log: (line) => logLines.push(line),
        rdsInstances: {
          [instanceId]: {
            engine: "PostgreSQL",
            host: postgres.host,
            port: postgres.port,
            adminUser: postgres.adminUser,
            adminPassword: postgres.adminPassword,
            adminDatabase: postgres.database,
          },
        },
      });
      atEnd(() => cloud.close());
      const connect = async (account: string, password: string, database: string) => {
        const client = new pg.Client({
          host: postgres.host,
          port: postgres.port,
          user: account,
          password,
          database,
          connectionTimeoutMillis: 20_000,
        });
        client.on("error", () => undefined);
        try {
          await client.connect();
        } catch (error) {
          await client.end().catch(() => undefined);
          throw error;
        }
        return client;
      };
      const run = async (account: string, password: string, database: string, sql: string) => {
        const client = await connect(account, password, database);
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      const world: LocalPostgresRds = {
        postgres,
        server: postgres,
        cloud,
        instanceId,
        logLines,
        rds: rdsClientsFor(cloud),
        async createDatabase() {
          const name = `rds_${randomBytes(4).toString("hex")}`;
          await run(
            postgres.adminUser,
            postgres.adminPassword,
            postgres.database,
            `CREATE DATABASE ${name}`,
          );
          await run(
            postgres.adminUser,
            postgres.adminPassword,
            name,
            "CREATE TABLE items (id INT)",
          );
          return name;
        },
        async canLogin(account, password, database = postgres.database) {
          try {
            const client = await connect(account, password, database);
            await client.end();
            return true;
          } catch (error) {
            if (REFUSED_LOGIN.has((error as { code?: string }).code ?? "")) return false;
            throw error;
          }
        },
        runAs: run,
        runAsAdmin: (database, sql) =>
          run(postgres.adminUser, postgres.adminPassword, database, sql),
      };
      return world;
    },
    180_000,
  );
}

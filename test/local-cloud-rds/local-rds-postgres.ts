/**
 * A real PostgreSQL standing behind a DBInstanceId (engine `PostgreSQL`) of a
 * local cloud, and RDS clients for that cloud: what the RDS PostgreSQL
 * product tests and the RDS PostgreSQL rotation tests share.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { RdsClient, type RdsClientOptions } from "../../src/clients/rds-client.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningPostgres, startPostgres } from "../support/postgres.ts";

export interface LocalPostgresRds {
  postgres: RunningPostgres;
  cloud: TestCloud;
  /** The DBInstanceId the local RDS product maps to the PostgreSQL server. */
  instanceId: string;
  /** Every line the local cloud logged. */
  logLines: string[];
  /** An RDS client for the cloud, as root unless other credentials are given; fast retries. */
  rds(options?: Omit<RdsClientOptions, "endpoint">): RdsClient;
  /** A new database holding a table `items` (made by the administrator, as RDS's CreateDatabase would). */
  createDatabase(): Promise<string>;
  /** True when the account logs in with the password; false when the server refuses it. */
  canLogin(account: string, password: string, database?: string): Promise<boolean>;
  /** Runs one statement as the account on `database`. */
  runAs(account: string, password: string, database: string, sql: string): Promise<void>;
  /** Runs one statement as the administrator on `database`. */
  runAsAdmin(database: string, sql: string): Promise<void>;
}

/** SQLSTATEs of a refused login: wrong password, or no such role / not allowed. */
const REFUSED_LOGIN = new Set(["28P01", "28000"]);

/** Starts PostgreSQL and a local cloud in beforeAll, stops both in afterAll. */
export function useLocalPostgresRds(): () => LocalPostgresRds {
  let world: LocalPostgresRds | undefined;
  let postgres: RunningPostgres | undefined;
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
    const server = postgres;
    const instanceId = `pgm-local${randomBytes(4).toString("hex")}`;
    const logLines: string[] = [];
    cloud = await startTestCloud({
      inMemory: true,
      log: (line) => logLines.push(line),
      rdsInstances: {
        [instanceId]: {
          engine: "PostgreSQL",
          host: server.host,
          port: server.port,
          adminUser: server.adminUser,
          adminPassword: server.adminPassword,
          adminDatabase: server.database,
        },
      },
    });
    const c = cloud;
    const connect = async (account: string, password: string, database: string) => {
      const client = new pg.Client({
        host: server.host,
        port: server.port,
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
    world = {
      postgres: server,
      cloud: c,
      instanceId,
      logLines,
      rds: (options = {}) =>
        new RdsClient({
          credentials: c.credentials,
          region: c.region,
          retry: { baseDelayMs: 20, maxDelayMs: 200 },
          ...options,
          endpoint: c.endpoint,
        }),
      async createDatabase() {
        const name = `rds_${randomBytes(4).toString("hex")}`;
        await run(
          server.adminUser,
          server.adminPassword,
          server.database,
          `CREATE DATABASE ${name}`,
        );
        await run(server.adminUser, server.adminPassword, name, "CREATE TABLE items (id INT)");
        return name;
      },
      async canLogin(account, password, database = server.database) {
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
      runAsAdmin: (database, sql) => run(server.adminUser, server.adminPassword, database, sql),
    };
  }, 180_000);
  afterAll(async () => {
    await cloud?.close();
    await postgres?.stop();
  });
  return () => {
    if (!world) {
      throw new Error("useLocalPostgresRds(): the servers start in beforeAll; use it in a test");
    }
    return world;
  };
}

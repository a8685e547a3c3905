/**
 * A real MariaDB standing behind a DBInstanceId of a local cloud, and RDS
 * clients for that cloud: what the RDS product tests and the RDS rotation
 * tests share.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll } from "vitest";
import { RdsClient, type RdsClientOptions } from "../../src/clients/rds-client.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, startMariaDb } from "../support/mariadb.ts";

export interface LocalRds {
  mariaDb: RunningMariaDb;
  cloud: TestCloud;
  /** The DBInstanceId the local RDS product maps to the MariaDB. */
  instanceId: string;
  /** An RDS client for the cloud, as root unless other credentials are given; fast retries. */
  rds(options?: Omit<RdsClientOptions, "endpoint">): RdsClient;
  /** A new empty database on the server (RDS would make it with CreateDatabase). */
  createDatabase(): Promise<string>;
  /** True when the account logs in with the password; false when the server refuses it. */
  canLogin(account: string, password: string, database?: string): Promise<boolean>;
  /** Runs one statement as the account (on `database`). */
  runAs(account: string, password: string, database: string, sql: string): Promise<void>;
}

/** Starts MariaDB and a local cloud in beforeAll, stops both in afterAll. */
export function useLocalRds(): () => LocalRds {
  let world: LocalRds | undefined;
  let mariaDb: RunningMariaDb | undefined;
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    mariaDb = await startMariaDb();
    const m = mariaDb;
    const instanceId = `rm-local${randomBytes(4).toString("hex")}`;
    cloud = await startTestCloud({
      inMemory: true,
      rdsInstances: {
        [instanceId]: {
          engine: "MySQL",
          host: m.host,
          port: m.port,
          adminUser: m.adminUser,
          adminPassword: m.adminPassword,
        },
      },
    });
    const c = cloud;
    const connect = (account: string, password: string, database?: string) =>
      mysql.createConnection({
        host: m.host,
        port: m.port,
        user: account,
        password,
        database,
      });
    world = {
      mariaDb: m,
      cloud: c,
      instanceId,
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
        const admin = await connect(m.adminUser, m.adminPassword);
        try {
          await admin.query(`CREATE DATABASE ${name}`);
          await admin.query(`CREATE TABLE ${name}.items (id INT)`);
        } finally {
          await admin.end();
        }
        return name;
      },
      async canLogin(account, password, database) {
        try {
          const connection = await connect(account, password, database);
          await connection.end();
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === "ER_ACCESS_DENIED_ERROR") return false;
          throw error;
        }
      },
      async runAs(account, password, database, sql) {
        const connection = await connect(account, password, database);
        try {
          await connection.query(sql);
        } finally {
          await connection.end();
        }
      },
    };
  }, 120_000);
  afterAll(async () => {
    await cloud?.close();
    await mariaDb?.stop();
  });
  return () => {
    if (!world) throw new Error("useLocalRds(): the servers start in beforeAll; use it in a test");
    return world;
  };
}

/** A password RDS accepts (upper, lower, digits and a special), unique per call. */
export function rdsPassword(): string {
  return `Rds-${randomBytes(10).toString("hex")}A`;
}

/** An account name RDS accepts, unique per call. */
export function rdsAccountName(prefix = "app"): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

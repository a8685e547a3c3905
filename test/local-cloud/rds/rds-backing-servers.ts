/**
 * How tests reach the real database server behind a local RDS instance,
 * per engine: what the local RDS product needs to stand in front of it, and
 * the administrator's and accounts' side of the server (make a database, try
 * a login, run a statement) that proves what an RDS action or a rotation did.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import type { LocalRdsInstance } from "../../../src/local-cloud/rds/local-rds-instance.ts";
import type { RunningMariaDb } from "../../support/mariadb.ts";
import type { RunningPostgres } from "../../support/postgres.ts";

export interface RdsBackingServer {
  /** What the local RDS product needs to stand in front of the server. */
  instance: LocalRdsInstance;
  /** A new database holding a table `items` (made by the administrator, as RDS's CreateDatabase would). */
  createDatabase(): Promise<string>;
  /** True when the account logs in with the password; false when the server refuses it. */
  canLogin(account: string, password: string, database?: string): Promise<boolean>;
  /** Runs one statement as the account on `database`. */
  runAs(account: string, password: string, database: string, sql: string): Promise<void>;
  /** Runs one statement as the administrator on `database`. */
  runAsAdmin(database: string, sql: string): Promise<void>;
}

const newDatabaseName = () => `rds_${randomBytes(4).toString("hex")}`;

/** MariaDB behind an instance of engine `MySQL`. */
export function mariaDbBacking(server: RunningMariaDb): RdsBackingServer {
  const connect = (account: string, password: string, database?: string) =>
    mysql.createConnection({
      host: server.host,
      port: server.port,
      user: account,
      password,
      database,
    });
  const run = async (account: string, password: string, database: string, sql: string) => {
    const connection = await connect(account, password, database);
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  const runAsAdmin = (database: string, sql: string) =>
    run(server.adminUser, server.adminPassword, database, sql);
  return {
    instance: {
      engine: "MySQL",
      host: server.host,
      port: server.port,
      adminUser: server.adminUser,
      adminPassword: server.adminPassword,
    },
    async createDatabase() {
      const name = newDatabaseName();
      await runAsAdmin("mysql", `CREATE DATABASE ${name}`);
      await runAsAdmin(name, "CREATE TABLE items (id INT)");
      return name;
    },
    async canLogin(account, password, database) {
      try {
        await (await connect(account, password, database)).end();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === "ER_ACCESS_DENIED_ERROR") return false;
        throw error;
      }
    },
    runAs: run,
    runAsAdmin,
  };
}

/** SQLSTATEs of a refused login: wrong password, or no such role / not allowed. */
const POSTGRES_REFUSED_LOGIN = new Set(["28P01", "28000"]);

/** PostgreSQL behind an instance of engine `PostgreSQL`; a login without a database goes to the administrator's. */
export function postgresBacking(server: RunningPostgres): RdsBackingServer {
  const connect = async (account: string, password: string, database: string) => {
    const client = new pg.Client({
      host: server.host,
      port: server.port,
      user: account,
      password,
      database,
      connectionTimeoutMillis: 20_000,
    });
    // A refused login also emits "error" on the client; the rejected connect() says it.
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
  const runAsAdmin = (database: string, sql: string) =>
    run(server.adminUser, server.adminPassword, database, sql);
  return {
    instance: {
      engine: "PostgreSQL",
      host: server.host,
      port: server.port,
      adminUser: server.adminUser,
      adminPassword: server.adminPassword,
      adminDatabase: server.database,
    },
    async createDatabase() {
      const name = newDatabaseName();
      await runAsAdmin(server.database, `CREATE DATABASE ${name}`);
      await runAsAdmin(name, "CREATE TABLE items (id INT)");
      return name;
    },
    async canLogin(account, password, database = server.database) {
      try {
        await (await connect(account, password, database)).end();
        return true;
      } catch (error) {
        if (POSTGRES_REFUSED_LOGIN.has((error as { code?: string }).code ?? "")) return false;
        throw error;
      }
    },
    runAs: run,
    runAsAdmin,
  };
}

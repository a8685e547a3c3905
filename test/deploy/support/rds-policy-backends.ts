/**
 * The database servers the RDS policy proofs put behind a local DBInstanceId:
 * a real MariaDB for rotate-mysql, a real PostgreSQL for rotate-postgres.
 * Each says how RDS names the privilege an application account gets on its
 * database, and how to make a database and try a login there.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import type { RdsAccountPrivilege } from "../../../src/clients/rds-client.ts";
import type { LocalRdsInstance } from "../../../src/local-cloud/rds/local-rds-instance.ts";
import { startMariaDb } from "../../support/mariadb.ts";
import { startPostgres } from "../../support/postgres.ts";

export type RdsPolicyEngine = "mysql" | "postgres";

export interface RdsPolicyBackend {
  engine: RdsPolicyEngine;
  /** What the local RDS product needs to stand in front of the server. */
  instance: LocalRdsInstance;
  /** The named privilege an application account holds on its database (RDS's names per engine). */
  privilege: RdsAccountPrivilege;
  /** A new empty database, made by the administrator (as RDS's CreateDatabase would). */
  createDatabase(): Promise<string>;
  /** True when the account logs in to `database` with the password; false when refused. */
  canLogin(account: string, password: string, database: string): Promise<boolean>;
  stop(): Promise<void>;
}

export function startRdsPolicyBackend(engine: RdsPolicyEngine): Promise<RdsPolicyBackend> {
  return engine === "mysql" ? startMysqlBackend() : startPostgresBackend();
}

const newDatabaseName = () => `rds_${randomBytes(4).toString("hex")}`;

async function startMysqlBackend(): Promise<RdsPolicyBackend> {
  const server = await startMariaDb();
  const connect = (user: string, password: string, database?: string) =>
    mysql.createConnection({ host: server.host, port: server.port, user, password, database });
  return {
    engine: "mysql",
    instance: {
      engine: "MySQL",
      host: server.host,
      port: server.port,
      adminUser: server.adminUser,
      adminPassword: server.adminPassword,
    },
    privilege: "ReadWrite",
    async createDatabase() {
      const name = newDatabaseName();
      const admin = await connect(server.adminUser, server.adminPassword);
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
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
    stop: () => server.stop(),
  };
}

/** SQLSTATEs of a refused login: wrong password, or no such role / not allowed. */
const POSTGRES_REFUSED_LOGIN = new Set(["28P01", "28000"]);

async function startPostgresBackend(): Promise<RdsPolicyBackend> {
  const server = await startPostgres();
  const connect = async (user: string, password: string, database: string) => {
    const client = new pg.Client({
      host: server.host,
      port: server.port,
      user,
      password,
      database,
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
  return {
    engine: "postgres",
    instance: {
      engine: "PostgreSQL",
      host: server.host,
      port: server.port,
      adminUser: server.adminUser,
      adminPassword: server.adminPassword,
      adminDatabase: server.database,
    },
    privilege: "DBOwner",
    async createDatabase() {
      const name = newDatabaseName();
      const admin = await connect(server.adminUser, server.adminPassword, server.database);
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return name;
    },
    async canLogin(account, password, database) {
      try {
        await (await connect(account, password, database)).end();
        return true;
      } catch (error) {
        if (POSTGRES_REFUSED_LOGIN.has((error as { code?: string }).code ?? "")) return false;
        throw error;
      }
    },
    stop: () => server.stop(),
  };
}

/**
 * A real MariaDB standing behind a DBInstanceId (engine `MySQL`) of a local
 * cloud, and RDS clients for that cloud: what the RDS MySQL product tests and
 * the RDS MySQL rotation tests share.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { startTestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type LocalRdsWorld, rdsClientsFor, useSuiteWorld } from "./local-rds-world.ts";

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
      const instanceId = `rm-local${randomBytes(4).toString("hex")}`;
      const logLines: string[] = [];
      const cloud = await startTestCloud({
        inMemory: true,
        log: (line) => logLines.push(line),
        rdsInstances: {
          [instanceId]: {
            engine: "MySQL",
            host: mariaDb.host,
            port: mariaDb.port,
            adminUser: mariaDb.adminUser,
            adminPassword: mariaDb.adminPassword,
          },
        },
      });
      atEnd(() => cloud.close());
      const connect = (account: string, password: string, database?: string) =>
        mysql.createConnection({
          host: mariaDb.host,
          port: mariaDb.port,
          user: account,
          password,
          database,
        });
      const world: LocalRds = {
        mariaDb,
        server: mariaDb,
        cloud,
        instanceId,
        logLines,
        rds: rdsClientsFor(cloud),
        async createDatabase() {
          const name = `rds_${randomBytes(4).toString("hex")}`;
          const admin = await connect(mariaDb.adminUser, mariaDb.adminPassword);
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
      return world;
    },
    120_000,
  );
}

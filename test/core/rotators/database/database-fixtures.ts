/**
 * Shared set-up for the database rotator tests: fresh application accounts
 * with real grants on the test servers, their secret values, a master secret
 * in the local cloud, and a login check that says whether a password works.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import type { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import type { RunningMariaDb } from "../../../support/mariadb.ts";
import type { RunningPostgres } from "../../../support/postgres.ts";

export type TestServer =
  | { engine: "mysql"; server: RunningMariaDb }
  | { engine: "postgres"; server: RunningPostgres };

export const uniqueSuffix = () => randomBytes(4).toString("hex");

/** Runs admin statements on the server (no rotation code involved). */
export async function asAdmin<T>(
  target: TestServer,
  work: (query: (sql: string) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  if (target.engine === "mysql") {
    const { server } = target;
    const connection = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    });
    try {
      return await work((sql) => connection.query(sql));
    } finally {
      await connection.end();
    }
  }
  const { server } = target;
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    database: server.database,
  });
  await client.connect();
  try {
    return await work((sql) => client.query(sql));
  } finally {
    await client.end();
  }
}

/**
 * Creates an application account with a grant on a table of its own; returns
 * the secret value naming it. With `masterSecret` the value asks for
 * dual-account rotation.
 */
export async function createApplicationAccount(
  target: TestServer,
  options: { masterSecret?: string; prefix?: string } = {},
): Promise<DatabaseSecretValue> {
  const suffix = uniqueSuffix();
  const account = `${options.prefix ?? "app"}_${suffix}`;
  const password = `Init-${randomBytes(12).toString("hex")}`;
  const table = `t_${suffix}`;
  await asAdmin(target, async (query) => {
    if (target.engine === "mysql") {
      await query("CREATE DATABASE IF NOT EXISTS rotor_app");
      await query(`CREATE TABLE rotor_app.${table} (id INT)`);
      await query(`CREATE USER '${account}'@'%' IDENTIFIED BY '${password}'`);
      await query(`GRANT SELECT, INSERT ON rotor_app.${table} TO '${account}'@'%'`);
    } else {
      await query(`CREATE TABLE ${table} (id int)`);
      await query(`CREATE ROLE ${account} LOGIN PASSWORD '${password}'`);
      await query(`GRANT SELECT, INSERT ON ${table} TO ${account}`);
    }
  });
  return {
    AccountName: account,
    AccountPassword: password,
    engine: target.engine,
    host: target.server.host,
    port: target.server.port,
    ...(target.engine === "postgres" ? { database: target.server.database } : {}),
    ...(options.masterSecret ? { masterSecret: options.masterSecret } : {}),
  };
}

/**
 * Stores the administrator's credentials as a master secret, with the
 * server they belong to (by default the test server's host and port, no
 * TLS); returns its name.
 */
export async function createMasterSecret(
  kms: KmsClient,
  target: TestServer,
  name: string,
  where: Partial<Pick<DatabaseSecretValue, "host" | "port" | "tls">> = {},
): Promise<string> {
  await kms.createSecret({
    secretName: name,
    versionId: `v0-${uniqueSuffix()}`,
    secretData: JSON.stringify({
      AccountName: target.server.adminUser,
      AccountPassword: target.server.adminPassword,
      engine: target.engine,
      host: target.server.host,
      port: target.server.port,
      ...where,
    }),
  });
  return name;
}

/** True when the account logs in with the password; false when the server refuses it. */
export async function canLogin(
  target: TestServer,
  account: string,
  password: string,
): Promise<boolean> {
  try {
    if (target.engine === "mysql") {
      const connection = await mysql.createConnection({
        host: target.server.host,
        port: target.server.port,
        user: account,
        password,
      });
      await connection.end();
    } else {
      const client = new pg.Client({
        host: target.server.host,
        port: target.server.port,
        user: account,
        password,
        database: target.server.database,
      });
      await client.connect();
      await client.end();
    }
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ER_ACCESS_DENIED_ERROR" || code === "28P01") return false;
    throw error;
  }
}

/** Throws unless the stored data's account logs in with its password. */
export async function verifyLogin(target: TestServer, data: string): Promise<void> {
  const value = JSON.parse(data) as DatabaseSecretValue;
  if (!(await canLogin(target, value.AccountName, value.AccountPassword))) {
    throw new Error(`account ${value.AccountName} does not log in with the stored password`);
  }
}

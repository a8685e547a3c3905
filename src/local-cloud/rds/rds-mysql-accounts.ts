/**
 * The accounts of a MySQL-family RDS instance, kept on the real server
 * behind it. An RDS account is a user at host `%`; its privileges are
 * modelled per database, as RDS does: each named privilege (ReadWrite,
 * ReadOnly, DDLOnly, DMLOnly) is a fixed set of schema-level grants, and a
 * database whose grants match no set reports `Custom`.
 *
 * Every statement uses placeholders or escapeId; driver errors never leave
 * this file (mysql2 keeps the failed SQL, password included, on the error).
 */
import mysql from "mysql2/promise";
import { CloudApiError } from "../api-error.ts";
import type { LocalRdsInstance } from "./local-rds-instance.ts";
import { type RdsAccountPrivilege, rdsErrors } from "./rds-account-rules.ts";
import type { RdsAccount, RdsAccountStore } from "./rds-account-store.ts";

export type { RdsAccount, RdsDatabasePrivilege } from "./rds-account-store.ts";

/** The schema-level grants behind each RDS privilege name (RDS MySQL's own definitions). */
export const MYSQL_PRIVILEGE_GRANTS: Readonly<Record<RdsAccountPrivilege, readonly string[]>> = {
  ReadWrite: [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "REFERENCES",
    "INDEX",
    "ALTER",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EVENT",
    "TRIGGER",
  ],
  ReadOnly: ["SELECT", "LOCK TABLES", "SHOW VIEW"],
  DMLOnly: [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "EXECUTE",
    "SHOW VIEW",
    "EVENT",
    "TRIGGER",
  ],
  DDLOnly: [
    "CREATE",
    "DROP",
    "INDEX",
    "ALTER",
    "CREATE TEMPORARY TABLES",
    "LOCK TABLES",
    "CREATE VIEW",
    "SHOW VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
  ],
};

/** Accounts the server keeps for itself, never shown as RDS accounts. */
const SYSTEM_USERS = new Set(["root", "mysql", "mariadb.sys", "PUBLIC", ""]);

/** RDS accounts live at one host pattern. */
const ACCOUNT_HOST = "%";

type Row = mysql.RowDataPacket;

/** One administrator connection per request: the local cloud serves few calls and keeps no pool open. */
async function asAdministrator<T>(
  instance: LocalRdsInstance,
  work: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host: instance.host,
      port: instance.port,
      user: instance.adminUser,
      password: instance.adminPassword,
      connectTimeout: 10_000,
    });
  } catch {
    throw rdsErrors.internal();
  }
  connection.on("error", () => undefined);
  try {
    return await work(connection);
  } catch (error) {
    if (error instanceof CloudApiError) throw error;
    throw rdsErrors.internal();
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

async function accountExists(connection: mysql.Connection, name: string): Promise<boolean> {
  const [rows] = await connection.query<Row[]>(
    "SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?",
    [name, ACCOUNT_HOST],
  );
  return rows.length > 0;
}

/** The RDS name of a set of grants on one database. */
function privilegeName(grants: ReadonlySet<string>): RdsAccountPrivilege | "Custom" {
  for (const [name, wanted] of Object.entries(MYSQL_PRIVILEGE_GRANTS)) {
    if (wanted.length === grants.size && wanted.every((grant) => grants.has(grant))) {
      return name as RdsAccountPrivilege;
    }
  }
  return "Custom";
}

export const rdsMysqlAccounts: RdsAccountStore<RdsAccountPrivilege> = {
  /** Every RDS account (or the one named), with its per-database privileges. */
  async list(instance, accountName) {
    return asAdministrator(instance, async (connection) => {
      const [users] = await connection.query<Row[]>(
        accountName === undefined
          ? "SELECT User AS name, Grant_priv AS grantOption FROM mysql.user WHERE Host = ? ORDER BY User"
          : "SELECT User AS name, Grant_priv AS grantOption FROM mysql.user WHERE Host = ? AND User = ?",
        accountName === undefined ? [ACCOUNT_HOST] : [ACCOUNT_HOST, accountName],
      );
      const accounts: RdsAccount[] = [];
      for (const user of users) {
        const name = String(user.name);
        if (SYSTEM_USERS.has(name) || name === instance.adminUser) continue;
        const [grants] = await connection.query<Row[]>(
          "SELECT TABLE_SCHEMA AS db, PRIVILEGE_TYPE AS grantName FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = CONCAT('''', ?, '''@''', ?, '''') ORDER BY TABLE_SCHEMA",
          [name, ACCOUNT_HOST],
        );
        const byDatabase = new Map<string, Set<string>>();
        for (const grant of grants) {
          const db = String(grant.db);
          const set = byDatabase.get(db) ?? new Set<string>();
          set.add(String(grant.grantName));
          byDatabase.set(db, set);
        }
        accounts.push({
          name,
          type: String(user.grantOption) === "Y" ? "Super" : "Normal",
          privileges: [...byDatabase].map(([dbName, set]) => ({
            dbName,
            privilege: privilegeName(set),
            detail: [...set].join(","),
          })),
        });
      }
      return accounts;
    });
  },

  async create(instance, input) {
    await asAdministrator(instance, async (connection) => {
      if (await accountExists(connection, input.name)) {
        throw rdsErrors.accountDuplicate(input.name);
      }
      await connection.query("CREATE USER ?@? IDENTIFIED BY ?", [
        input.name,
        ACCOUNT_HOST,
        input.password,
      ]);
      if (input.type === "Super") {
        await connection.query("GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION", [
          input.name,
          ACCOUNT_HOST,
        ]);
      }
    });
  },

  /**
   * Sets the account's privilege on each database: what it held there
   * before is replaced. Every database is checked before anything changes.
   */
  async grant(instance, name, grants) {
    await asAdministrator(instance, async (connection) => {
      const [users] = await connection.query<Row[]>(
        "SELECT Grant_priv AS grantOption FROM mysql.user WHERE User = ? AND Host = ?",
        [name, ACCOUNT_HOST],
      );
      const user = users[0];
      if (!user || SYSTEM_USERS.has(name) || name === instance.adminUser) {
        throw rdsErrors.accountNotFound(name);
      }
      if (String(user.grantOption) === "Y") throw rdsErrors.superAccountPrivilege(name);
      for (const { dbName } of grants) {
        const [schemas] = await connection.query<Row[]>(
          "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
          [dbName],
        );
        if (schemas.length === 0) throw rdsErrors.databaseNotFound(dbName);
      }
      for (const { dbName, privilege } of grants) {
        const database = `${mysql.escapeId(dbName)}.*`;
        const [held] = await connection.query<Row[]>(
          "SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = CONCAT('''', ?, '''@''', ?, '''') AND TABLE_SCHEMA = ? LIMIT 1",
          [name, ACCOUNT_HOST, dbName],
        );
        if (held.length > 0) {
          await connection.query(`REVOKE ALL PRIVILEGES ON ${database} FROM ?@?`, [
            name,
            ACCOUNT_HOST,
          ]);
        }
        // The grant names come from the fixed table above, never from the request.
        const list = MYSQL_PRIVILEGE_GRANTS[privilege].join(", ");
        await connection.query(`GRANT ${list} ON ${database} TO ?@?`, [name, ACCOUNT_HOST]);
      }
    });
  },

  async resetPassword(instance, name, password) {
    await asAdministrator(instance, async (connection) => {
      if (
        SYSTEM_USERS.has(name) ||
        name === instance.adminUser ||
        !(await accountExists(connection, name))
      ) {
        throw rdsErrors.accountNotFound(name);
      }
      await connection.query("ALTER USER ?@? IDENTIFIED BY ?", [name, ACCOUNT_HOST, password]);
    });
  },
};

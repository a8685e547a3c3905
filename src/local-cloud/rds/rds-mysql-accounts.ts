/**
 * The accounts of a MySQL-family server behind an RDS instance (or a
 * PolarDB for MySQL cluster), kept on the real server. An account is a user
 * at host `%`; its privileges are modelled per database, as RDS does: each
 * named privilege (ReadWrite, ReadOnly, DDLOnly, DMLOnly, and what a product
 * adds) is a fixed set of schema-level grants, and a database whose grants
 * match no set reports `Custom`.
 *
 * `mysqlAccountStore` builds the store of one product: its privilege names
 * and the error codes it answers with. `rdsMysqlAccounts` is RDS's.
 *
 * Every statement uses placeholders or escapeId; driver errors never leave
 * this file (mysql2 keeps the failed SQL, password included, on the error).
 */
import mysql from "mysql2/promise";
import { CloudApiError } from "../api-error.ts";
import type { LocalRdsInstance } from "./local-rds-instance.ts";
import { type RdsAccountPrivilege, rdsErrors } from "./rds-account-rules.ts";
import type { AccountStoreErrors, RdsAccount, RdsAccountStore } from "./rds-account-store.ts";

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
  errors: AccountStoreErrors,
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
    throw errors.internal();
  }
  connection.on("error", () => undefined);
  try {
    return await work(connection);
  } catch (error) {
    if (error instanceof CloudApiError) throw error;
    throw errors.internal();
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

/** The name of a set of grants on one database: the privilege made of exactly them, or Custom. */
function privilegeName(
  privileges: Readonly<Record<string, readonly string[]>>,
  grants: ReadonlySet<string>,
): string {
  for (const [name, wanted] of Object.entries(privileges)) {
    if (wanted.length === grants.size && wanted.every((grant) => grants.has(grant))) return name;
  }
  return "Custom";
}

/** Throws the product's InvalidDBName.NotFound for the first database the server does not hold. */
async function checkDatabasesExist(
  connection: mysql.Connection,
  errors: AccountStoreErrors,
  grants: readonly { dbName: string }[],
): Promise<void> {
  for (const { dbName } of grants) {
    const [schemas] = await connection.query<Row[]>(
      "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
      [dbName],
    );
    if (schemas.length === 0) throw errors.databaseNotFound(dbName);
  }
}

/** An account the store shows: not the server's own users, not the administrator. */
async function isAccount(
  connection: mysql.Connection,
  instance: LocalRdsInstance,
  name: string,
): Promise<boolean> {
  if (SYSTEM_USERS.has(name) || name === instance.adminUser) return false;
  return accountExists(connection, name);
}

/** A store answering with `errors` and granting `privileges` (name → schema-level grants). */
export function mysqlAccountStore<Privilege extends string>(options: {
  privileges: Readonly<Record<Privilege, readonly string[]>>;
  errors: AccountStoreErrors;
}): RdsAccountStore<Privilege> {
  const { privileges, errors } = options;

  /** Replaces what the account holds on each database with the named privilege there. */
  const applyGrants = async (
    connection: mysql.Connection,
    name: string,
    grants: readonly { dbName: string; privilege: Privilege }[],
  ) => {
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
      // The grant names come from the fixed table, never from the request.
      const list = privileges[privilege].join(", ");
      await connection.query(`GRANT ${list} ON ${database} TO ?@?`, [name, ACCOUNT_HOST]);
    }
  };

  return {
    async list(instance, accountName) {
      return asAdministrator(instance, errors, async (connection) => {
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
              privilege: privilegeName(privileges, set),
              detail: [...set].join(","),
            })),
          });
        }
        return accounts;
      });
    },

    async create(instance, input) {
      await asAdministrator(instance, errors, async (connection) => {
        if (await accountExists(connection, input.name)) {
          throw errors.accountDuplicate(input.name);
        }
        await checkDatabasesExist(connection, errors, input.grants ?? []);
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
        await applyGrants(connection, input.name, input.grants ?? []);
      });
    },

    /**
     * Sets the account's privilege on each database: what it held there
     * before is replaced. Every database is checked before anything changes.
     */
    async grant(instance, name, grants) {
      await asAdministrator(instance, errors, async (connection) => {
        const [users] = await connection.query<Row[]>(
          "SELECT Grant_priv AS grantOption FROM mysql.user WHERE User = ? AND Host = ?",
          [name, ACCOUNT_HOST],
        );
        const user = users[0];
        if (!user || SYSTEM_USERS.has(name) || name === instance.adminUser) {
          throw errors.accountNotFound(name);
        }
        if (String(user.grantOption) === "Y") throw errors.superAccountPrivilege(name);
        await checkDatabasesExist(connection, errors, grants);
        await applyGrants(connection, name, grants);
      });
    },

    async resetPassword(instance, name, password) {
      await asAdministrator(instance, errors, async (connection) => {
        if (!(await isAccount(connection, instance, name))) throw errors.accountNotFound(name);
        await connection.query("ALTER USER ?@? IDENTIFIED BY ?", [name, ACCOUNT_HOST, password]);
      });
    },

    /** DROP USER takes the account's grants with it; the server ends none of its sessions. */
    async delete(instance, name) {
      await asAdministrator(instance, errors, async (connection) => {
        if (!(await isAccount(connection, instance, name))) throw errors.accountNotFound(name);
        await connection.query("DROP USER ?@?", [name, ACCOUNT_HOST]);
      });
    },
  };
}

/** RDS's MySQL and MariaDB accounts. */
export const rdsMysqlAccounts: RdsAccountStore<RdsAccountPrivilege> = mysqlAccountStore({
  privileges: MYSQL_PRIVILEGE_GRANTS,
  errors: rdsErrors,
});

/**
 * Reads what MySQL or MariaDB accounts hold from the server's catalogue, not
 * from SHOW GRANTS text: privileges from information_schema (global, schema,
 * table, column), routine grants from mysql.procs_priv, proxy grants from
 * mysql.proxies_priv, and roles with default roles from the tables of the
 * server's flavour (MariaDB: mysql.roles_mapping and mysql.user.default_role;
 * MySQL 8: mysql.role_edges and mysql.default_roles; MySQL 5.7 has no roles).
 * Reading the catalogue means no parsing of quoted names; SHOW GRANTS is only
 * used afterwards to check the result (mysql-grant-lines.ts).
 */
import type mysql from "mysql2/promise";
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import {
  type AccountName,
  grantKey,
  type MysqlGrant,
  ROUTINE_TYPES,
  type RoleName,
  type RoutineType,
} from "./mysql-grant.ts";

/** Which grammar and catalogue the server has for roles. */
export type MysqlFlavour = "mariadb" | "mysql8" | "mysql5";

/** The flavour from `SELECT VERSION()`: `10.11.6-MariaDB-…`, `8.0.36`, `5.7.44-log`. */
export function mysqlFlavour(version: string): MysqlFlavour {
  if (/mariadb/i.test(version)) return "mariadb";
  const major = Number(version.split(".")[0]);
  return major >= 8 ? "mysql8" : "mysql5";
}

/** Everything an account holds that the alternate must hold too. */
export interface AccountAccess {
  /** By grantKey(). */
  grants: Map<string, MysqlGrant>;
  /** The roles enabled at login, sorted; empty for none. */
  defaultRoles: RoleName[];
}

/** Runs one catalogue query (through the session, so it is one external call). */
export type CatalogQuery = (
  purpose: string,
  sql: string,
  values: unknown[],
) => Promise<mysql.RowDataPacket[]>;

/** One key per account; JSON because a user name may hold `@`. */
export function accountKey(account: AccountName): string {
  return JSON.stringify([account.user, account.host]);
}

/** Routine privilege names in mysql.procs_priv's SET, as GRANT spells them. */
const ROUTINE_PRIVILEGES: Record<string, string> = {
  Execute: "EXECUTE",
  "Alter Routine": "ALTER ROUTINE",
  Grant: "GRANT OPTION",
};

/** Reads the access of every given account; an account without grants gets an empty entry. */
export async function readAccountAccess(
  query: CatalogQuery,
  flavour: MysqlFlavour,
  accounts: AccountName[],
): Promise<Map<string, AccountAccess>> {
  const found = new Map<string, AccountAccess>();
  for (const account of accounts) {
    found.set(accountKey(account), { grants: new Map(), defaultRoles: [] });
  }
  const add = (account: AccountName, grant: MysqlGrant) => {
    found.get(accountKey(account))?.grants.set(grantKey(grant), grant);
  };
  const users = [...new Set(accounts.map((account) => account.user))];
  const hosts = [...new Set(accounts.map((account) => account.host))];

  for (const { account, row } of await readPrivileges(query, accounts)) {
    const schema = row.s == null ? undefined : text(row.s);
    const table = row.t == null ? undefined : text(row.t);
    const object = { schema, table };
    const privilege = text(row.p);
    // USAGE means "no privilege"; its IS_GRANTABLE still carries a GRANT OPTION alone.
    if (privilege !== "USAGE") {
      add(account, {
        kind: "privilege",
        privilege,
        object,
        ...(row.c == null ? {} : { column: text(row.c) }),
      });
    }
    // A column's grant option lives on its table: GRANT OPTION is per level.
    if (text(row.g) === "YES")
      add(account, { kind: "privilege", privilege: "GRANT OPTION", object });
  }

  for (const row of await readCatalogRows(query, flavour, users, hosts)) {
    const account = { user: text(row.user), host: text(row.host) };
    const access = found.get(accountKey(account));
    if (access === undefined) continue;
    if (row.kind === "routine") {
      for (const grant of routineGrants(text(row.a), text(row.b), text(row.c), text(row.d))) {
        add(account, grant);
      }
    } else if (row.kind === "proxy") {
      add(account, {
        kind: "proxy",
        user: text(row.a),
        host: text(row.b),
        grantOption: text(row.c) === "1",
      });
    } else if (row.kind === "role") {
      add(account, { kind: "role", role: roleName(row), admin: text(row.c) === "Y" });
    } else if (row.kind === "defaultRole" && text(row.a) !== "") {
      access.defaultRoles.push(roleName(row));
    }
  }
  for (const access of found.values()) access.defaultRoles.sort(compareRoles);
  return found;
}

/** The columns of every row readCatalogRows returns, in order. */
const ALIASES = ["user", "host", "a", "b", "c", "d"] as const;

/**
 * Routine grants, proxy grants, roles and default roles of the accounts, in
 * one round trip: each row is `kind, user, host` and up to four values whose
 * meaning depends on the kind. Every value is cast to text so the parts'
 * column types and collations agree.
 */
async function readCatalogRows(
  query: CatalogQuery,
  flavour: MysqlFlavour,
  users: string[],
  hosts: string[],
): Promise<mysql.RowDataPacket[]> {
  const asText = (column: string) => (column === "NULL" ? "NULL" : `CAST(${column} AS CHAR)`);
  const part = (kind: string, table: string, columns: string[], user = "User", host = "Host") =>
    `SELECT '${kind}' AS kind, ${columns.map((column, i) => `${asText(column)} AS ${ALIASES[i]}`).join(", ")} FROM ${table} WHERE ${user} IN (?) AND ${host} IN (?)`;
  const parts = [
    // a: schema, b: routine, c: routine type, d: privileges ("Execute,Grant")
    part("routine", "mysql.procs_priv", [
      "User",
      "Host",
      "Db",
      "Routine_name",
      "Routine_type",
      "Proc_priv",
    ]),
    // a: proxied user, b: proxied host, c: 1 with GRANT OPTION
    part("proxy", "mysql.proxies_priv", [
      "User",
      "Host",
      "Proxied_user",
      "Proxied_host",
      "With_grant",
      "NULL",
    ]),
  ];
  if (flavour === "mariadb") {
    // a: role, c: Y with ADMIN OPTION
    parts.push(
      part("role", "mysql.roles_mapping", ["User", "Host", "Role", "NULL", "Admin_option", "NULL"]),
    );
    // a: the default role, or ""
    parts.push(
      part("defaultRole", "mysql.user", ["User", "Host", "default_role", "NULL", "NULL", "NULL"]),
    );
  } else if (flavour === "mysql8") {
    // a, b: role and its host, c: Y with ADMIN OPTION
    parts.push(
      part(
        "role",
        "mysql.role_edges",
        ["TO_USER", "TO_HOST", "FROM_USER", "FROM_HOST", "WITH_ADMIN_OPTION", "NULL"],
        "TO_USER",
        "TO_HOST",
      ),
    );
    // a, b: one default role and its host
    parts.push(
      part(
        "defaultRole",
        "mysql.default_roles",
        ["USER", "HOST", "DEFAULT_ROLE_USER", "DEFAULT_ROLE_HOST", "NULL", "NULL"],
        "USER",
        "HOST",
      ),
    );
  }
  const rows = await query(
    "readRoutineProxyAndRoleGrants",
    parts.join(" UNION ALL "),
    parts.flatMap(() => [users, hosts]),
  );
  return rows;
}

/** The privileges of one mysql.procs_priv row (`Proc_priv` is a SET such as "Execute,Grant"). */
function routineGrants(
  schema: string,
  name: string,
  type: string,
  privileges: string,
): MysqlGrant[] {
  if (!ROUTINE_TYPES.includes(type as RoutineType)) {
    throw new DatabaseRotationRefusedError(
      `unexpected routine type ${JSON.stringify(type)} in a grant on ${JSON.stringify(schema)}; refusing to copy it`,
    );
  }
  const object = { schema, routine: { type: type as RoutineType, name } };
  return privileges
    .split(",")
    .filter(Boolean)
    .map((each) => {
      const privilege = ROUTINE_PRIVILEGES[each];
      if (privilege === undefined) {
        throw new DatabaseRotationRefusedError(
          `unexpected routine privilege ${JSON.stringify(each)} on ${type} ${JSON.stringify(schema)}.${JSON.stringify(name)}; refusing to copy it`,
        );
      }
      return { kind: "privilege", privilege, object };
    });
}

/** MariaDB rows name a role alone (b is NULL); MySQL 8 rows give its host in b. */
function roleName(row: mysql.RowDataPacket): RoleName {
  return row.b == null ? { name: text(row.a) } : { name: text(row.a), host: text(row.b) };
}

/**
 * Global, schema, table and column privileges of the accounts.
 * information_schema spells a grantee as 'user'@'host' without escaping; the
 * same CONCAT matches it, and a map leads each grantee back to its account.
 */
async function readPrivileges(
  query: CatalogQuery,
  accounts: AccountName[],
): Promise<{ account: AccountName; row: mysql.RowDataPacket }[]> {
  const grantees: string[] = [];
  const granteeValues: string[] = [];
  const owner = new Map<string, AccountName>();
  for (const account of accounts) {
    grantees.push("CONCAT('''', ?, '''@''', ?, '''')");
    granteeValues.push(account.user, account.host);
    owner.set(`'${account.user}'@'${account.host}'`, account);
  }
  const inList = `GRANTEE IN (${grantees.join(", ")})`;
  const rows = await query(
    "readGrants",
    [
      `SELECT GRANTEE AS who, PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g, NULL AS s, NULL AS t, NULL AS c FROM information_schema.USER_PRIVILEGES WHERE ${inList}`,
      `SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, NULL, NULL FROM information_schema.SCHEMA_PRIVILEGES WHERE ${inList}`,
      `SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, TABLE_NAME, NULL FROM information_schema.TABLE_PRIVILEGES WHERE ${inList}`,
      `SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMN_PRIVILEGES WHERE ${inList}`,
    ].join(" UNION ALL "),
    [...granteeValues, ...granteeValues, ...granteeValues, ...granteeValues],
  );
  const result: { account: AccountName; row: mysql.RowDataPacket }[] = [];
  for (const row of rows) {
    const account = owner.get(text(row.who));
    if (account) result.push({ account, row });
  }
  return result;
}

function compareRoles(a: RoleName, b: RoleName): number {
  const left = JSON.stringify([a.name, a.host ?? null]);
  const right = JSON.stringify([b.name, b.host ?? null]);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A catalogue value as text: binary columns arrive as Buffers. */
export function text(value: unknown): string {
  if (value == null) return "";
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

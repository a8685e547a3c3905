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

  const inAccounts = (row: mysql.RowDataPacket, user = "user", host = "host") =>
    found.has(accountKey({ user: text(row[user]), host: text(row[host]) }));
  const routineRows = await query(
    "readRoutineGrants",
    "SELECT User AS user, Host AS host, Db AS db, Routine_name AS name, Routine_type AS type, Proc_priv AS privileges FROM mysql.procs_priv WHERE User IN (?) AND Host IN (?)",
    [users, hosts],
  );
  for (const row of routineRows.filter((candidate) => inAccounts(candidate))) {
    const type = text(row.type) as RoutineType;
    if (!ROUTINE_TYPES.includes(type)) {
      throw new DatabaseRotationRefusedError(
        `unexpected routine type ${JSON.stringify(type)} in a grant on ${JSON.stringify(text(row.db))}; refusing to copy it`,
      );
    }
    const object = { schema: text(row.db), routine: { type, name: text(row.name) } };
    for (const name of text(row.privileges).split(",").filter(Boolean)) {
      const privilege = ROUTINE_PRIVILEGES[name];
      if (privilege === undefined) {
        throw new DatabaseRotationRefusedError(
          `unexpected routine privilege ${JSON.stringify(name)} on ${type} ${JSON.stringify(text(row.db))}.${JSON.stringify(text(row.name))}; refusing to copy it`,
        );
      }
      add({ user: text(row.user), host: text(row.host) }, { kind: "privilege", privilege, object });
    }
  }

  const proxyRows = await query(
    "readProxyGrants",
    "SELECT User AS user, Host AS host, Proxied_user AS proxiedUser, Proxied_host AS proxiedHost, With_grant AS withGrant FROM mysql.proxies_priv WHERE User IN (?) AND Host IN (?)",
    [users, hosts],
  );
  for (const row of proxyRows.filter((candidate) => inAccounts(candidate))) {
    add(
      { user: text(row.user), host: text(row.host) },
      {
        kind: "proxy",
        user: text(row.proxiedUser),
        host: text(row.proxiedHost),
        grantOption: Number(row.withGrant) === 1,
      },
    );
  }

  if (flavour === "mariadb") {
    const roleRows = await query(
      "readRoles",
      "SELECT User AS user, Host AS host, Role AS role, Admin_option AS admin FROM mysql.roles_mapping WHERE User IN (?) AND Host IN (?)",
      [users, hosts],
    );
    for (const row of roleRows.filter((candidate) => inAccounts(candidate))) {
      add(
        { user: text(row.user), host: text(row.host) },
        { kind: "role", role: { name: text(row.role) }, admin: text(row.admin) === "Y" },
      );
    }
    const defaultRows = await query(
      "readDefaultRoles",
      "SELECT User AS user, Host AS host, default_role AS role FROM mysql.user WHERE User IN (?) AND Host IN (?)",
      [users, hosts],
    );
    for (const row of defaultRows.filter((candidate) => inAccounts(candidate))) {
      const role = text(row.role);
      const access = found.get(accountKey({ user: text(row.user), host: text(row.host) }));
      if (access && role !== "") access.defaultRoles = [{ name: role }];
    }
  } else if (flavour === "mysql8") {
    const roleRows = await query(
      "readRoles",
      "SELECT TO_USER AS user, TO_HOST AS host, FROM_USER AS role, FROM_HOST AS roleHost, WITH_ADMIN_OPTION AS admin FROM mysql.role_edges WHERE TO_USER IN (?) AND TO_HOST IN (?)",
      [users, hosts],
    );
    for (const row of roleRows.filter((candidate) => inAccounts(candidate))) {
      add(
        { user: text(row.user), host: text(row.host) },
        {
          kind: "role",
          role: { name: text(row.role), host: text(row.roleHost) },
          admin: text(row.admin) === "Y",
        },
      );
    }
    const defaultRows = await query(
      "readDefaultRoles",
      "SELECT USER AS user, HOST AS host, DEFAULT_ROLE_USER AS role, DEFAULT_ROLE_HOST AS roleHost FROM mysql.default_roles WHERE USER IN (?) AND HOST IN (?)",
      [users, hosts],
    );
    for (const row of defaultRows.filter((candidate) => inAccounts(candidate))) {
      const access = found.get(accountKey({ user: text(row.user), host: text(row.host) }));
      access?.defaultRoles.push({ name: text(row.role), host: text(row.roleHost) });
    }
  }
  for (const access of found.values()) access.defaultRoles.sort(compareRoles);
  return found;
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

/**
 * One grant a MySQL or MariaDB account holds, as the rotator copies it from
 * the current account to its alternate: a privilege on a level (global,
 * schema, table, column or routine), a role, or a proxy grant. Each grant
 * knows its comparison key, the GRANT and REVOKE statements that give and
 * take it, and a description for error messages.
 *
 * Identifiers are quoted one at a time with `escapeId(name, true)`: a name
 * may hold dots (`my.db`) that must not be read as `schema.table`, and
 * backticks, which are doubled. Schema names keep the server's own spelling,
 * so a wildcard grant on `` `db\_%`.* `` stays that exact pattern. Account
 * and role names (which carry a host) go through `?` placeholders. Privilege
 * names come from the server's catalogue and are checked against a keyword
 * pattern before they are placed in a statement.
 */
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import { loadedMysqlDriver } from "./mysql-driver.ts";

/** Routine kinds a grant can name: MySQL and MariaDB, plus MariaDB's packages. */
export const ROUTINE_TYPES = ["PROCEDURE", "FUNCTION", "PACKAGE", "PACKAGE BODY"] as const;
export type RoutineType = (typeof ROUTINE_TYPES)[number];

/**
 * Where a privilege applies: everything (no schema), a schema (may be a
 * wildcard pattern), a table, or a routine.
 */
export interface GrantObject {
  schema?: string;
  table?: string;
  routine?: { type: RoutineType; name: string };
}

/** `GRANT <privilege> [(<column>)] ON <object>`; `GRANT OPTION` is one privilege per object. */
export interface PrivilegeGrant {
  kind: "privilege";
  privilege: string;
  object: GrantObject;
  column?: string;
}

/** A role: MariaDB names it alone, MySQL 8 names it `role@host`. */
export interface RoleName {
  name: string;
  host?: string;
}

/** `GRANT <role> TO …`, with `WITH ADMIN OPTION` when `admin`. */
export interface RoleGrant {
  kind: "role";
  role: RoleName;
  admin: boolean;
}

/** `GRANT PROXY ON <user>@<host> TO …`, with `WITH GRANT OPTION` when `grantOption`. */
export interface ProxyGrant {
  kind: "proxy";
  user: string;
  host: string;
  grantOption: boolean;
}

export type MysqlGrant = PrivilegeGrant | RoleGrant | ProxyGrant;

/** An account (or role) as the server names it. */
export interface AccountName {
  user: string;
  host: string;
}

/** A statement with its literals as `?` placeholders. */
export interface GrantStatement {
  sql: string;
  values: string[];
}

/** Privilege names as the catalogue spells them: `SELECT`, `CREATE TEMPORARY TABLES`, `BINLOG_ADMIN`, … */
const PRIVILEGE_PATTERN = /^[A-Z][A-Z_ ]*[A-Z]$/;

/** Equal keys mean the same grant, whichever account holds it. */
export function grantKey(grant: MysqlGrant): string {
  switch (grant.kind) {
    case "privilege":
      return JSON.stringify([
        "privilege",
        grant.privilege,
        grant.object.schema ?? null,
        grant.object.table ?? null,
        grant.object.routine?.type ?? null,
        grant.object.routine?.name ?? null,
        grant.column ?? null,
      ]);
    case "role":
      return JSON.stringify(["role", grant.role.name, grant.role.host ?? null, grant.admin]);
    case "proxy":
      return JSON.stringify(["proxy", grant.user, grant.host, grant.grantOption]);
  }
}

/** Quotes one identifier; dots inside stay part of the name. */
export function quoteIdentifier(name: string): string {
  // Grants are built on a logged-in session: the login has loaded the driver.
  return loadedMysqlDriver().escapeId(name, true);
}

/** `*.*`, `` `db`.* ``, `` `db`.`table` `` or `` PROCEDURE `db`.`proc` ``. */
export function objectSql(object: GrantObject): string {
  if (object.schema === undefined) return "*.*";
  const schema = quoteIdentifier(object.schema);
  if (object.routine) {
    if (!ROUTINE_TYPES.includes(object.routine.type)) {
      throw new DatabaseRotationRefusedError(
        `unexpected routine type ${JSON.stringify(object.routine.type)} in a grant on ${schema}; refusing to copy it`,
      );
    }
    return `${object.routine.type} ${schema}.${quoteIdentifier(object.routine.name)}`;
  }
  return object.table === undefined ? `${schema}.*` : `${schema}.${quoteIdentifier(object.table)}`;
}

/** What the grant gives, for messages: `EXECUTE ON PROCEDURE \`db\`.\`p\``, `role "reader"`, … */
export function describeGrant(grant: MysqlGrant): string {
  switch (grant.kind) {
    case "privilege": {
      const column = grant.column === undefined ? "" : ` (${quoteIdentifier(grant.column)})`;
      return `${grant.privilege}${column} ON ${objectSql(grant.object)}`;
    }
    case "role":
      return `role ${describeRole(grant.role)}${grant.admin ? " WITH ADMIN OPTION" : ""}`;
    case "proxy":
      return `PROXY ON ${JSON.stringify(grant.user)}@${JSON.stringify(grant.host)}${grant.grantOption ? " WITH GRANT OPTION" : ""}`;
  }
}

export function describeRole(role: RoleName): string {
  return role.host === undefined
    ? JSON.stringify(role.name)
    : `${JSON.stringify(role.name)}@${JSON.stringify(role.host)}`;
}

/**
 * The role as a statement names it: MariaDB's as a quoted identifier (its
 * grammar takes no string there everywhere), MySQL 8's as an account with
 * placeholders.
 */
export function roleSql(role: RoleName): GrantStatement {
  return role.host === undefined
    ? { sql: quoteIdentifier(role.name), values: [] }
    : { sql: "?@?", values: [role.name, role.host] };
}

/** The statement that gives `grant` to `to`. */
export function grantStatement(grant: MysqlGrant, to: AccountName): GrantStatement {
  const account = [to.user, to.host];
  switch (grant.kind) {
    case "privilege": {
      const object = objectSql(grant.object);
      // `GRANT OPTION` alone is spelled as USAGE with the option: both
      // MySQL and MariaDB take that form on every level.
      if (grant.privilege === "GRANT OPTION") {
        return { sql: `GRANT USAGE ON ${object} TO ?@? WITH GRANT OPTION`, values: account };
      }
      return { sql: `GRANT ${privilegeSql(grant)} ON ${object} TO ?@?`, values: account };
    }
    case "role": {
      const role = roleSql(grant.role);
      const admin = grant.admin ? " WITH ADMIN OPTION" : "";
      return { sql: `GRANT ${role.sql} TO ?@?${admin}`, values: [...role.values, ...account] };
    }
    case "proxy": {
      const option = grant.grantOption ? " WITH GRANT OPTION" : "";
      return {
        sql: `GRANT PROXY ON ?@? TO ?@?${option}`,
        values: [grant.user, grant.host, ...account],
      };
    }
  }
}

/** The statement that takes `grant` from `from`. */
export function revokeStatement(grant: MysqlGrant, from: AccountName): GrantStatement {
  const account = [from.user, from.host];
  switch (grant.kind) {
    case "privilege":
      return {
        sql: `REVOKE ${privilegeSql(grant)} ON ${objectSql(grant.object)} FROM ?@?`,
        values: account,
      };
    case "role": {
      // Revoking the role takes its admin option with it; MySQL has no
      // statement that takes the option alone.
      const role = roleSql(grant.role);
      return { sql: `REVOKE ${role.sql} FROM ?@?`, values: [...role.values, ...account] };
    }
    case "proxy":
      return { sql: "REVOKE PROXY ON ?@? FROM ?@?", values: [grant.user, grant.host, ...account] };
  }
}

function privilegeSql(grant: PrivilegeGrant): string {
  if (!PRIVILEGE_PATTERN.test(grant.privilege)) {
    throw new DatabaseRotationRefusedError(
      `unexpected privilege name ${JSON.stringify(grant.privilege)} in the server's catalogue; refusing to copy it`,
    );
  }
  const column = grant.column === undefined ? "" : ` (${quoteIdentifier(grant.column)})`;
  return `${grant.privilege}${column}`;
}

/**
 * MySQL and MariaDB accounts through mysql2. Identifiers and account names go
 * through the driver's escaping (`?` placeholders become quoted literals,
 * escapeId quotes schema and table names); privilege names come from the
 * server's own catalogue and are checked against a keyword pattern before
 * they are placed in a statement. Never `multipleStatements`.
 *
 * An account in MySQL is a name *and* a host pattern: the alternate account
 * gets every host the current one has, its TLS requirement and its grants
 * (global, schema, table, column and MariaDB roles).
 */
import mysql from "mysql2/promise";
import { ValidationError } from "../../errors.ts";
import type {
  DatabaseAccounts,
  DatabaseCredentials,
  DatabaseSession,
  DatabaseTarget,
  ExternalRunner,
} from "./database-accounts.ts";
import {
  type DatabaseEndpointName,
  DatabaseLoginRefusedError,
  DatabaseRotationRefusedError,
  DatabaseStatementError,
  DatabaseUnavailableError,
  safeDetail,
} from "./database-errors.ts";

/** Errors meaning "the server refused these credentials". */
const REFUSED_CODES = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_ACCOUNT_HAS_BEEN_LOCKED",
  "ER_MUST_CHANGE_PASSWORD_LOGIN",
]);

const CONNECT_TIMEOUT_MS = 10_000;

/** Privilege names as the catalogue spells them: `SELECT`, `CREATE TEMPORARY TABLES`, … */
const PRIVILEGE_PATTERN = /^[A-Z][A-Z_ ]*[A-Z]$/;

export function mysqlConnectionOptions(
  target: DatabaseTarget,
  credentials: DatabaseCredentials,
): mysql.ConnectionOptions {
  if (target.tls?.serverName) {
    throw new ValidationError(
      "tls.serverName is not supported for engine mysql: the driver checks the certificate against host; use the certificate's name as host",
    );
  }
  return {
    host: target.host,
    port: target.port,
    user: credentials.account,
    password: credentials.password,
    database: target.database,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ssl: target.tls
      ? {
          ca: target.tls.ca,
          rejectUnauthorized: target.tls.verify,
          verifyIdentity: target.tls.verify,
        }
      : undefined,
  };
}

export const mysqlAccounts: DatabaseAccounts = {
  engine: "mysql",
  // MariaDB takes 80 characters; MySQL 32 (16 before 5.7): the session checks the server's own limit.
  maxAccountNameLength: 80,
  async login(target, credentials, step, run) {
    const endpoint = { host: target.host, port: target.port, account: credentials.account };
    const options = mysqlConnectionOptions(target, credentials);
    const connection = await run("mysql.login", async () => {
      try {
        return await mysql.createConnection(options);
      } catch (error) {
        const detail = safeDetail(error, [credentials.password]);
        const code = (error as { code?: string }).code ?? "";
        if (REFUSED_CODES.has(code)) throw new DatabaseLoginRefusedError(endpoint, step, detail);
        throw new DatabaseUnavailableError(endpoint, step, detail);
      }
    });
    // A connection dropped by the server later must not crash the process.
    connection.on("error", () => undefined);
    return new MysqlSession(connection, endpoint, step, run, [credentials.password]);
  },
};

type Row = mysql.RowDataPacket;

class MysqlSession implements DatabaseSession {
  readonly account: string;

  constructor(
    private readonly connection: mysql.Connection,
    private readonly endpoint: DatabaseEndpointName,
    private readonly step: string,
    private readonly run: ExternalRunner,
    /** Every password this session has seen, cut from any error text. */
    private readonly secrets: string[],
  ) {
    this.account = endpoint.account;
  }

  /** One statement, one external call; errors name the purpose, never the SQL. */
  private async query<T extends Row[] | mysql.ResultSetHeader>(
    purpose: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<T> {
    return this.run(`mysql.${purpose}`, async () => {
      try {
        const [result] = await this.connection.query<T>(sql, values);
        return result;
      } catch (error) {
        throw new DatabaseStatementError(
          this.endpoint,
          `${this.step}: ${purpose}`,
          safeDetail(error, this.secrets),
        );
      }
    });
  }

  private version: string | undefined;

  private async serverVersion(): Promise<string> {
    if (this.version === undefined) {
      const rows = await this.query<Row[]>("version", "SELECT VERSION() AS version");
      this.version = String(rows[0]?.version ?? "");
    }
    return this.version;
  }

  async maxAccountNameLength(): Promise<number> {
    const version = await this.serverVersion();
    if (/mariadb/i.test(version)) return 80;
    const [major = 0, minor = 0] = version.split(".").map(Number);
    return major > 5 || (major === 5 && minor >= 7) ? 32 : 16;
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    this.secrets.push(newPassword);
    // MariaDB wants CREATE USER for ALTER USER even on oneself, and hashes
    // with PASSWORD(); MySQL 5.7+ takes the plain text and removed PASSWORD().
    const mariaDb = /mariadb/i.test(await this.serverVersion());
    await this.query(
      "alterOwnPassword",
      mariaDb ? "SET PASSWORD = PASSWORD(?)" : "SET PASSWORD = ?",
      [newPassword],
    );
  }

  async accountExists(account: string): Promise<boolean> {
    return (await this.hosts(account)).length > 0;
  }

  private async hosts(account: string): Promise<string[]> {
    const rows = await this.query<Row[]>(
      "listHosts",
      "SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host",
      [account],
    );
    return rows.map((row) => String(row.host));
  }

  async syncAlternate(input: {
    current: string;
    alternate: string;
    base: string;
    password: string;
  }): Promise<void> {
    this.secrets.push(input.password);
    // One read for both accounts' hosts and TLS requirements, one for their
    // grants, one for their roles: a rotation's SQL round trips stay few.
    const users = await this.query<Row[]>(
      "readAccounts",
      "SELECT User AS user, Host AS host, ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User IN (?, ?)",
      [input.current, input.alternate],
    );
    const rowsOf = (user: string) => users.filter((row) => String(row.user) === user);
    const hosts = rowsOf(input.current).map((row) => String(row.host));
    if (hosts.length === 0) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(input.current)} does not exist on ${this.endpoint.host}:${this.endpoint.port}`,
      );
    }
    const grants = await this.grants(input.current, input.alternate, hosts);
    for (const host of hosts) {
      const model = rowsOf(input.current).find((row) => String(row.host) === host) as Row;
      const twin = rowsOf(input.alternate).find((row) => String(row.host) === host);
      if (!twin) {
        // IF NOT EXISTS: a concurrent or crashed run may have created it already.
        await this.query("createUser", "CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", [
          input.alternate,
          host,
          input.password,
        ]);
      }
      const wanted = requireClause(model);
      const present = twin ? requireClause(twin) : { sql: "NONE", values: [] };
      if (JSON.stringify(wanted) !== JSON.stringify(present)) {
        await this.query("alterTlsRequirement", `ALTER USER ?@? REQUIRE ${wanted.sql}`, [
          input.alternate,
          host,
          ...wanted.values,
        ]);
      }
      const modelGrants = grants.get(`${input.current}@${host}`) ?? new Map<string, Grant>();
      const twinGrants = grants.get(`${input.alternate}@${host}`) ?? new Map<string, Grant>();
      for (const [key, grant] of modelGrants) {
        if (!twinGrants.has(key)) await this.apply("grant", grant, input.alternate, host);
      }
      for (const [key, grant] of twinGrants) {
        if (!modelGrants.has(key)) await this.apply("revoke", grant, input.alternate, host);
      }
      if (twin) {
        await this.query("alterPassword", "ALTER USER ?@? IDENTIFIED BY ?", [
          input.alternate,
          host,
          input.password,
        ]);
      }
    }
  }

  private async apply(action: "grant" | "revoke", grant: Grant, account: string, host: string) {
    if (grant.role !== undefined) {
      const sql =
        action === "grant"
          ? `GRANT ${mysql.escapeId(grant.role)} TO ?@?`
          : `REVOKE ${mysql.escapeId(grant.role)} FROM ?@?`;
      await this.query(`${action}Role`, sql, [account, host]);
      return;
    }
    const columns = grant.column === undefined ? "" : ` (${mysql.escapeId(grant.column)})`;
    const privilege = `${grant.privilege}${columns}`;
    const sql =
      action === "grant"
        ? `GRANT ${privilege} ON ${grant.object} TO ?@?`
        : `REVOKE ${privilege} ON ${grant.object} FROM ?@?`;
    await this.query(`${action}Privilege`, sql, [account, host]);
  }

  /**
   * Every grant of both accounts on the given hosts, by `user@host`, each
   * keyed so two accounts' grants compare. information_schema spells a
   * grantee as 'user'@'host' without escaping; the same CONCAT matches it.
   */
  private async grants(
    current: string,
    alternate: string,
    hosts: string[],
  ): Promise<Map<string, Map<string, Grant>>> {
    const grantees: string[] = [];
    const granteeValues: string[] = [];
    const owner = new Map<string, string>();
    for (const user of [current, alternate]) {
      for (const host of hosts) {
        grantees.push("CONCAT('''', ?, '''@''', ?, '''')");
        granteeValues.push(user, host);
        owner.set(`'${user}'@'${host}'`, `${user}@${host}`);
      }
    }
    const inList = `GRANTEE IN (${grantees.join(", ")})`;
    const rows = await this.query<Row[]>(
      "readGrants",
      [
        `SELECT GRANTEE AS who, 'global' AS level, PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g, NULL AS s, NULL AS t, NULL AS c FROM information_schema.USER_PRIVILEGES WHERE ${inList}`,
        `SELECT GRANTEE, 'schema', PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, NULL, NULL FROM information_schema.SCHEMA_PRIVILEGES WHERE ${inList}`,
        `SELECT GRANTEE, 'table', PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, TABLE_NAME, NULL FROM information_schema.TABLE_PRIVILEGES WHERE ${inList}`,
        `SELECT GRANTEE, 'column', PRIVILEGE_TYPE, IS_GRANTABLE, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMN_PRIVILEGES WHERE ${inList}`,
      ].join(" UNION ALL "),
      [...granteeValues, ...granteeValues, ...granteeValues, ...granteeValues],
    );
    const found = new Map<string, Map<string, Grant>>();
    const add = (who: string, grant: Grant) => {
      if (grant.privilege !== undefined && !PRIVILEGE_PATTERN.test(grant.privilege)) {
        throw new DatabaseRotationRefusedError(
          `${this.step}: unexpected privilege name in the server's catalogue; refusing to copy it`,
        );
      }
      const grants = found.get(who) ?? new Map<string, Grant>();
      found.set(who, grants);
      grants.set(JSON.stringify([grant.privilege, grant.object, grant.column, grant.role]), grant);
    };
    for (const row of rows) {
      const who = owner.get(String(row.who));
      if (who === undefined) continue;
      const privilege = String(row.p);
      if (privilege === "USAGE") continue;
      const object =
        row.level === "global"
          ? "*.*"
          : row.level === "schema"
            ? `${mysql.escapeId(String(row.s))}.*`
            : `${mysql.escapeId(String(row.s))}.${mysql.escapeId(String(row.t))}`;
      if (row.level === "column") {
        add(who, { privilege, object, column: String(row.c) });
        continue;
      }
      add(who, { privilege, object });
      if (row.g === "YES") add(who, { privilege: "GRANT OPTION", object });
    }
    for (const role of await this.roles([current, alternate], hosts)) {
      add(`${role.user}@${role.host}`, { object: "", role: role.role });
    }
    return found;
  }

  /** MariaDB roles granted to the accounts; MySQL has no mysql.roles_mapping and gets none. */
  private async roles(
    users: string[],
    hosts: string[],
  ): Promise<{ user: string; host: string; role: string }[]> {
    try {
      const rows = await this.query<Row[]>(
        "readRoles",
        "SELECT User AS user, Host AS host, Role AS role FROM mysql.roles_mapping WHERE User IN (?) AND Host IN (?)",
        [users, hosts],
      );
      return rows.map((row) => ({
        user: String(row.user),
        host: String(row.host),
        role: String(row.role),
      }));
    } catch (error) {
      if (String((error as Error).message).includes("ER_NO_SUCH_TABLE")) return [];
      throw error;
    }
  }

  async setPassword(account: string, password: string): Promise<void> {
    this.secrets.push(password);
    for (const host of await this.hosts(account)) {
      await this.query("alterPassword", "ALTER USER ?@? IDENTIFIED BY ?", [
        account,
        host,
        password,
      ]);
    }
  }

  async endSessions(account: string): Promise<void> {
    const rows = await this.query<Row[]>(
      "listSessions",
      "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()",
      [account],
    );
    for (const row of rows) {
      try {
        await this.query("killSession", "KILL CONNECTION ?", [Number(row.id)]);
      } catch (error) {
        // The session may have ended on its own between the list and the kill.
        if (!String((error as Error).message).includes("ER_NO_SUCH_THREAD")) throw error;
      }
    }
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy());
  }
}

interface Grant {
  privilege?: string;
  /** `*.*`, `` `db`.* `` or `` `db`.`table` ``, already quoted. */
  object: string;
  column?: string;
  role?: string;
}

/** The REQUIRE clause matching a mysql.user row, with its literals as placeholders. */
function requireClause(row: Row): { sql: string; values: string[] } {
  const type = String(row.ssl_type ?? "");
  const text = (value: unknown) => (value == null ? "" : Buffer.from(value as Buffer).toString());
  if (type === "ANY") return { sql: "SSL", values: [] };
  if (type === "X509") return { sql: "X509", values: [] };
  if (type === "SPECIFIED") {
    const parts: string[] = [];
    const values: string[] = [];
    for (const [keyword, value] of [
      ["ISSUER", text(row.x509_issuer)],
      ["SUBJECT", text(row.x509_subject)],
      ["CIPHER", text(row.ssl_cipher)],
    ] as const) {
      if (value) {
        parts.push(`${keyword} ?`);
        values.push(value);
      }
    }
    return { sql: parts.join(" AND "), values };
  }
  return { sql: "NONE", values: [] };
}

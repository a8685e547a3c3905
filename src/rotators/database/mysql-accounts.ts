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
    const hosts = await this.hosts(input.current);
    if (hosts.length === 0) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(input.current)} does not exist on ${this.endpoint.host}:${this.endpoint.port}`,
      );
    }
    const alternateHosts = new Set(await this.hosts(input.alternate));
    for (const host of hosts) {
      if (!alternateHosts.has(host)) {
        // IF NOT EXISTS: a concurrent or crashed run may have created it already.
        await this.query("createUser", "CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", [
          input.alternate,
          host,
          input.password,
        ]);
      }
      await this.alignTlsRequirement(input.current, input.alternate, host);
      await this.alignGrants(input.current, input.alternate, host);
    }
  }

  private async alignTlsRequirement(model: string, alternate: string, host: string) {
    const rows = await this.query<Row[]>(
      "readTlsRequirement",
      "SELECT User AS user, ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User IN (?, ?) AND Host = ?",
      [model, alternate, host],
    );
    const requirement = (user: string) => {
      const row = rows.find((candidate) => String(candidate.user) === user);
      return row ? requireClause(row) : undefined;
    };
    const wanted = requirement(model);
    if (wanted && JSON.stringify(wanted) !== JSON.stringify(requirement(alternate))) {
      await this.query("alterTlsRequirement", `ALTER USER ?@? REQUIRE ${wanted.sql}`, [
        alternate,
        host,
        ...wanted.values,
      ]);
    }
  }

  private async alignGrants(model: string, alternate: string, host: string) {
    const wanted = await this.grants(model, host);
    const present = await this.grants(alternate, host);
    for (const [key, grant] of wanted) {
      if (!present.has(key)) await this.apply("grant", grant, alternate, host);
    }
    for (const [key, grant] of present) {
      if (!wanted.has(key)) await this.apply("revoke", grant, alternate, host);
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

  /** Every grant of user@host, keyed so two accounts' grants compare. */
  private async grants(account: string, host: string): Promise<Map<string, Grant>> {
    const grantee = [account, host];
    const found = new Map<string, Grant>();
    const add = (grant: Grant) => {
      if (grant.privilege !== undefined && !PRIVILEGE_PATTERN.test(grant.privilege)) {
        throw new DatabaseRotationRefusedError(
          `${this.step}: unexpected privilege name in the server's catalogue; refusing to copy it`,
        );
      }
      found.set(JSON.stringify([grant.privilege, grant.object, grant.column, grant.role]), grant);
    };
    const granteeMatch = "GRANTEE = CONCAT('''', ?, '''@''', ?, '''')";
    const global = await this.query<Row[]>(
      "readGlobalGrants",
      `SELECT PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g FROM information_schema.USER_PRIVILEGES WHERE ${granteeMatch}`,
      grantee,
    );
    for (const row of global) {
      const privilege = String(row.p);
      if (privilege === "USAGE") continue;
      add({ privilege, object: "*.*" });
      if (row.g === "YES") add({ privilege: "GRANT OPTION", object: "*.*" });
    }
    const schemas = await this.query<Row[]>(
      "readSchemaGrants",
      `SELECT PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g, TABLE_SCHEMA AS s FROM information_schema.SCHEMA_PRIVILEGES WHERE ${granteeMatch}`,
      grantee,
    );
    for (const row of schemas) {
      const object = `${mysql.escapeId(String(row.s))}.*`;
      add({ privilege: String(row.p), object });
      if (row.g === "YES") add({ privilege: "GRANT OPTION", object });
    }
    const tables = await this.query<Row[]>(
      "readTableGrants",
      `SELECT PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g, TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLE_PRIVILEGES WHERE ${granteeMatch}`,
      grantee,
    );
    for (const row of tables) {
      const object = `${mysql.escapeId(String(row.s))}.${mysql.escapeId(String(row.t))}`;
      add({ privilege: String(row.p), object });
      if (row.g === "YES") add({ privilege: "GRANT OPTION", object });
    }
    const columns = await this.query<Row[]>(
      "readColumnGrants",
      `SELECT PRIVILEGE_TYPE AS p, TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMN_PRIVILEGES WHERE ${granteeMatch}`,
      grantee,
    );
    for (const row of columns) {
      const object = `${mysql.escapeId(String(row.s))}.${mysql.escapeId(String(row.t))}`;
      add({ privilege: String(row.p), object, column: String(row.c) });
    }
    for (const role of await this.roles(account, host)) add({ object: "", role });
    return found;
  }

  /** MariaDB roles granted to user@host; MySQL has no mysql.roles_mapping and gets none. */
  private async roles(account: string, host: string): Promise<string[]> {
    try {
      const rows = await this.query<Row[]>(
        "readRoles",
        "SELECT Role AS role FROM mysql.roles_mapping WHERE User = ? AND Host = ?",
        [account, host],
      );
      return rows.map((row) => String(row.role));
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

/**
 * MySQL and MariaDB accounts through mysql2. Identifiers and account names go
 * through the driver's escaping (`?` placeholders become quoted literals,
 * escapeId quotes schema, table and routine names one name at a time, see
 * mysql-grant.ts); privilege names come from the server's own catalogue and
 * are checked against a keyword pattern before they are placed in a
 * statement. Never `multipleStatements`.
 *
 * An account in MySQL is a name *and* a host pattern: the alternate account
 * gets every host the current one has, its TLS requirement, its resource
 * limits and exactly its grants (mysql-grant*.ts: global, schema, table,
 * column, routine and proxy privileges, roles and default roles), checked
 * against SHOW GRANTS before its password is set.
 */

import { ValidationError } from "@rotor/cloud-api";
import type mysql from "mysql2/promise";
import type {
  AlternateAccounts,
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
import { loadMysqlDriver } from "./mysql-driver.ts";
import type { AccountName } from "./mysql-grant.ts";
import {
  compareGrantLines,
  GRANTEE_PLACEHOLDER,
  normaliseGrantLines,
} from "./mysql-grant-lines.ts";
import { assertDefaultRolesGranted, planGrantSync } from "./mysql-grant-plan.ts";
import {
  type AccountAccess,
  accountKey,
  type MysqlFlavour,
  mysqlFlavour,
  readAccountAccess,
  text,
} from "./mysql-grant-reader.ts";
import { resourceLimitColumns, resourceLimitsClause } from "./mysql-grant-resource-limits.ts";
import { ReadAheadSlot } from "./read-ahead-slot.ts";

/** Errors meaning "the server refused these credentials". */
const REFUSED_CODES = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_ACCOUNT_HAS_BEEN_LOCKED",
  "ER_MUST_CHANGE_PASSWORD_LOGIN",
]);

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Statements go through query(), never execute(), so nothing is prepared;
 * mysql2's default cache of 16,000 prepared statements would still allocate
 * four 16,000-slot arrays (about half a megabyte) for every connection.
 */
const PREPARED_STATEMENT_CACHE_SIZE = 1;

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
    maxPreparedStatements: PREPARED_STATEMENT_CACHE_SIZE,
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
    const { connection, serverVersion } = await run("mysql.login", async () => {
      try {
        return await connect(options);
      } catch (error) {
        const detail = safeDetail(error, [credentials.password]);
        const code = (error as { code?: string }).code ?? "";
        if (REFUSED_CODES.has(code)) throw new DatabaseLoginRefusedError(endpoint, step, detail);
        throw new DatabaseUnavailableError(endpoint, step, detail);
      }
    });
    // A connection dropped by the server later must not crash the process.
    connection.on("error", () => undefined);
    const session = new MysqlSession(connection, endpoint, step, run, [credentials.password]);
    if (serverVersion !== undefined) session.knowServerVersion(serverVersion);
    return session;
  },
};

/**
 * Connects through mysql2's callback API so as to hear the server's
 * greeting, which names its version (`8.0.36`, `5.5.5-10.11.6-MariaDB-…`):
 * the session then needs no VERSION() query. The connection is handed on
 * as mysql2's promise connection.
 */
async function connect(
  options: mysql.ConnectionOptions,
): Promise<{ connection: mysql.Connection; serverVersion: string | undefined }> {
  const { createConnection } = await loadMysqlDriver();
  return new Promise((resolve, reject) => {
    const core = createConnection(options);
    // Left in place after the greeting, as mysql2's own promise API does: an
    // error before the session listens then meets a settled promise, not an
    // 'error' event nobody handles.
    core.once("error", reject);
    core.once("connect", (greeting?: { serverVersion?: unknown }) => {
      const version = greeting?.serverVersion;
      resolve({
        connection: core.promise(),
        serverVersion: typeof version === "string" && version !== "" ? version : undefined,
      });
    });
  });
}

type Row = mysql.RowDataPacket;

/** What syncAlternate learns before it changes anything. */
interface AlternateState {
  flavour: MysqlFlavour;
  /** The mysql.user rows of one of the two accounts. */
  rowsOf: (user: string) => Row[];
  /** The current account's hosts; none when it does not exist. */
  hosts: string[];
  /** True when only the alternate's password is left to change. */
  inLine: boolean;
}

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
    /** What the statement is about (a grant, never a value), for its error. */
    what?: string,
  ): Promise<T> {
    return this.run(`mysql.${purpose}`, async () => {
      try {
        const [result] = await this.connection.query<T>(sql, values);
        return result;
      } catch (error) {
        throw new DatabaseStatementError(
          this.endpoint,
          `${this.step}: ${purpose}${what === undefined ? "" : ` ${what}`}`,
          safeDetail(error, this.secrets),
        );
      }
    });
  }

  private version: string | undefined;

  /** The version the server's greeting named; without it, the first need asks VERSION(). */
  knowServerVersion(version: string): void {
    this.version = version;
  }

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

  /** What syncAlternate reads first, read ahead (readAheadForSync). */
  private readonly readAhead = new ReadAheadSlot<AlternateState>();

  async readAheadForSync(input: AlternateAccounts): Promise<void> {
    await this.readAhead.fill(input, () => this.readAlternateState(input));
  }

  /**
   * Both accounts' mysql.user rows (hosts, TLS requirements, resource
   * limits) in one read, and whether only the alternate's password is left
   * to change (alreadyInLine).
   */
  private async readAlternateState(input: {
    current: string;
    alternate: string;
  }): Promise<AlternateState> {
    const flavour = mysqlFlavour(await this.serverVersion());
    const users = await this.query<Row[]>(
      "readAccounts",
      `SELECT User AS user, Host AS host, ssl_type, ssl_cipher, x509_issuer, x509_subject, ${resourceLimitColumns(flavour)} FROM mysql.user WHERE User IN (?, ?)`,
      [input.current, input.alternate],
    );
    const rowsOf = (user: string) => users.filter((row) => text(row.user) === user);
    const hosts = rowsOf(input.current).map((row) => text(row.host));
    const inLine = hosts.length > 0 && (await this.alreadyInLine(input, hosts, rowsOf, flavour));
    return { flavour, rowsOf, hosts, inLine };
  }

  async syncAlternate(input: AlternateAccounts & { password: string }): Promise<void> {
    this.secrets.push(input.password);
    const { flavour, rowsOf, hosts, inLine } = await this.readAhead.take(input, () =>
      this.readAlternateState(input),
    );
    if (hosts.length === 0) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: account ${JSON.stringify(input.current)} does not exist on ${this.endpoint.host}:${this.endpoint.port}`,
      );
    }
    if (inLine) {
      for (const host of hosts) {
        await this.query("alterPassword", "ALTER USER ?@? IDENTIFIED BY ?", [
          input.alternate,
          host,
          input.password,
        ]);
      }
      return;
    }
    const access = await readAccountAccess(
      (purpose, sql, values) => this.query<Row[]>(purpose, sql, values),
      flavour,
      hosts.flatMap((host) => [
        { user: input.current, host },
        { user: input.alternate, host },
      ]),
    );
    const noAccess: AccountAccess = { grants: new Map(), defaultRoles: [] };
    for (const host of hosts) {
      const account = { user: input.current, host };
      assertDefaultRolesGranted(access.get(accountKey(account)) ?? noAccess, account);
    }
    const twins = new Set<string>();
    for (const host of hosts) {
      const twin = rowsOf(input.alternate).find((row) => text(row.host) === host);
      if (twin) twins.add(host);
      await this.bringHostInLine({
        alternate: { user: input.alternate, host },
        password: input.password,
        model: rowsOf(input.current).find((row) => text(row.host) === host) as Row,
        twin,
        modelAccess: access.get(accountKey({ user: input.current, host })) ?? noAccess,
        twinAccess: twin
          ? (access.get(accountKey({ user: input.alternate, host })) ?? noAccess)
          : noAccess,
        flavour,
      });
    }
    // The new password goes on only once the alternate holds exactly the
    // current account's grants: when the copy is refused, an existing
    // alternate keeps its old password and the rotation goes no further.
    for (const host of hosts) await this.assertSameGrants(input.current, input.alternate, host);
    for (const host of twins) {
      await this.query("alterPassword", "ALTER USER ?@? IDENTIFIED BY ?", [
        input.alternate,
        host,
        input.password,
      ]);
    }
  }

  /**
   * The alternate on one host of the current account: created when missing,
   * then given the model's TLS requirement, resource limits and grants.
   */
  private async bringHostInLine(input: {
    alternate: AccountName;
    password: string;
    /** The current account's mysql.user row on this host. */
    model: Row;
    /** The alternate's row, when it exists. */
    twin: Row | undefined;
    modelAccess: AccountAccess;
    twinAccess: AccountAccess;
    flavour: MysqlFlavour;
  }): Promise<void> {
    const { alternate, model, twin, flavour } = input;
    const account = [alternate.user, alternate.host];
    if (!twin) {
      // IF NOT EXISTS: a concurrent or crashed run may have created it already.
      await this.query("createUser", "CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", [
        ...account,
        input.password,
      ]);
    }
    const wanted = requireClause(model);
    const present = twin ? requireClause(twin) : { sql: "NONE", values: [] };
    if (JSON.stringify(wanted) !== JSON.stringify(present)) {
      await this.query("alterTlsRequirement", `ALTER USER ?@? REQUIRE ${wanted.sql}`, [
        ...account,
        ...wanted.values,
      ]);
    }
    const limits = resourceLimitsClause(model, flavour);
    // A new account has no limits: the clause of an empty row.
    if (limits !== resourceLimitsClause(twin ?? ({} as Row), flavour)) {
      await this.query("alterResourceLimits", `ALTER USER ?@? ${limits}`, account);
    }
    const plan = planGrantSync({
      model: input.modelAccess,
      twin: input.twinAccess,
      alternate,
      flavour,
    });
    for (const change of plan) {
      await this.query(change.purpose, change.sql, change.values, change.what);
    }
  }

  /**
   * True when only the password is left to change, as on every rotation
   * after the first unless someone changed the current account's access:
   * the alternate exists on each of its hosts with the same TLS requirement
   * and resource limits, and SHOW GRANTS reads the same for both. The
   * catalogue is then not read at all. MySQL 8 keeps default roles out of
   * SHOW GRANTS, so there the catalogue is always read.
   */
  private async alreadyInLine(
    input: { current: string; alternate: string },
    hosts: string[],
    rowsOf: (user: string) => Row[],
    flavour: MysqlFlavour,
  ): Promise<boolean> {
    if (flavour === "mysql8") return false;
    for (const host of hosts) {
      const model = rowsOf(input.current).find((row) => text(row.host) === host) as Row;
      const twin = rowsOf(input.alternate).find((row) => text(row.host) === host);
      if (!twin) return false;
      if (JSON.stringify(requireClause(model)) !== JSON.stringify(requireClause(twin)))
        return false;
      if (resourceLimitsClause(model, flavour) !== resourceLimitsClause(twin, flavour))
        return false;
    }
    for (const host of hosts) {
      const { missing, extra } = await this.grantDifference(input.current, input.alternate, host);
      if (missing.length > 0 || extra.length > 0) return false;
    }
    return true;
  }

  /** SHOW GRANTS lines one account has and the other lacks, both ways (grantee taken out). */
  private async grantDifference(
    current: string,
    alternate: string,
    host: string,
  ): Promise<{ missing: string[]; extra: string[] }> {
    const lines = async (user: string) => {
      const rows = await this.query<Row[]>("showGrants", "SHOW GRANTS FOR ?@?", [user, host]);
      return normaliseGrantLines(
        rows.map((row) => text(Object.values(row)[0])),
        { user, host },
      );
    };
    return compareGrantLines(await lines(current), await lines(alternate));
  }

  /** Refuses, naming the lines, unless both accounts' SHOW GRANTS read the same. */
  private async assertSameGrants(current: string, alternate: string, host: string): Promise<void> {
    const { missing, extra } = await this.grantDifference(current, alternate, host);
    if (missing.length === 0 && extra.length === 0) return;
    const listed = (title: string, found: string[]) =>
      found.length === 0 ? "" : ` ${title}: ${found.join("; ")}.`;
    throw new DatabaseRotationRefusedError(
      `${this.step}: account ${JSON.stringify(alternate)}@${JSON.stringify(host)} does not hold exactly the grants of ${JSON.stringify(current)}@${JSON.stringify(host)} after copying them (${GRANTEE_PLACEHOLDER} stands for either account); refusing to set its password.${listed("Not copied", missing)}${listed("Only on the alternate", extra)}`,
    );
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

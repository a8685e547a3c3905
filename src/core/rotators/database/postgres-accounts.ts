/**
 * PostgreSQL roles through pg. Utility statements (CREATE/ALTER ROLE, GRANT)
 * take no bind parameters, so identifiers go through the driver's
 * escapeIdentifier and passwords through escapeLiteral; catalogue lookups use
 * bind parameters.
 *
 * The alternate role is a member of the base role (as in AWS's PostgreSQL
 * rotation): it inherits every privilege the base role has now or gets later,
 * and objects keep one owner group. Membership is checked at every rotation.
 * In owner-role mode both accounts also act as one owner role, kept in line
 * at every rotation too (postgres-owner-role.ts).
 */
import type pg from "pg";
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
import { loadPgDriver } from "./pg-driver.ts";
import {
  OWNER_ROLE_STATE_SQL,
  type OwnerRoleAccounts,
  type OwnerRoleChange,
  type OwnerRoleState,
  planOwnerRole,
} from "./postgres-owner-role.ts";
import { ReadAheadSlot } from "./read-ahead-slot.ts";

/** SQLSTATEs meaning "the server refused these credentials". */
const REFUSED_CODES = new Set(["28P01", "28000"]);
const DUPLICATE_OBJECT = "42710";
const CONNECT_TIMEOUT_MS = 10_000;

export function postgresClientConfig(
  target: DatabaseTarget,
  credentials: DatabaseCredentials,
): pg.ClientConfig {
  return {
    host: target.host,
    port: target.port,
    user: credentials.account,
    password: credentials.password,
    database: target.database ?? "postgres",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // With an `ssl` object the driver insists on TLS: a server without it is an error, never plaintext.
    ssl: target.tls
      ? {
          ca: target.tls.ca,
          rejectUnauthorized: target.tls.verify,
          servername: target.tls.serverName,
          ...(target.tls.verify ? {} : { checkServerIdentity: () => undefined }),
        }
      : false,
  };
}

export const postgresAccounts: DatabaseAccounts = {
  engine: "postgres",
  // NAMEDATALEN - 1 bytes; longer names are silently truncated by the server, so refuse them.
  maxAccountNameLength: 63,
  async login(target, credentials, step, run) {
    const endpoint = { host: target.host, port: target.port, account: credentials.account };
    const { Client } = await loadPgDriver();
    const client = new Client(postgresClientConfig(target, credentials));
    // A connection dropped by the server later must not crash the process.
    client.on("error", () => undefined);
    await run("postgres.login", async () => {
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        const detail = safeDetail(error, [credentials.password]);
        const code = (error as { code?: string }).code ?? "";
        if (REFUSED_CODES.has(code)) throw new DatabaseLoginRefusedError(endpoint, step, detail);
        throw new DatabaseUnavailableError(endpoint, step, detail);
      }
    });
    return new PostgresSession(client, endpoint, step, run, [credentials.password]);
  },
};

class PostgresSession implements DatabaseSession {
  readonly account: string;

  constructor(
    private readonly client: pg.Client,
    private readonly endpoint: DatabaseEndpointName,
    private readonly step: string,
    private readonly run: ExternalRunner,
    private readonly secrets: string[],
  ) {
    this.account = endpoint.account;
  }

  /** One statement, one external call; errors name the purpose and SQLSTATE, never the SQL. */
  private async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    purpose: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<Row[]> {
    return this.run(`postgres.${purpose}`, async () => {
      try {
        return (await this.client.query<Row>(sql, values)).rows;
      } catch (error) {
        throw new PostgresStatementError(
          this.endpoint,
          `${this.step}: ${purpose}`,
          safeDetail(error, this.secrets),
          (error as { code?: string }).code,
        );
      }
    });
  }

  private identifier(name: string): string {
    return this.client.escapeIdentifier(name);
  }

  private literal(text: string): string {
    return this.client.escapeLiteral(text);
  }

  async maxAccountNameLength(): Promise<number> {
    return 63;
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    this.secrets.push(newPassword);
    await this.query(
      "alterOwnPassword",
      `ALTER ROLE CURRENT_USER PASSWORD ${this.literal(newPassword)}`,
    );
  }

  async accountExists(account: string): Promise<boolean> {
    const rows = await this.query("findRole", "SELECT 1 FROM pg_roles WHERE rolname = $1", [
      account,
    ]);
    return rows.length > 0;
  }

  /** What syncAlternate reads first, read ahead (readAheadForSync). */
  private readonly readAhead = new ReadAheadSlot<SyncState>();

  async readAheadForSync(input: AlternateAccounts): Promise<void> {
    await this.readAhead.fill(input, () => this.readSyncState(input));
  }

  /** The roles, and in owner-role mode what that mode depends on; two reads at once. */
  private async readSyncState(input: AlternateAccounts): Promise<SyncState> {
    const { ownerRole } = input;
    const [roles, owner] = await Promise.all([
      this.readRoles(input),
      ownerRole === undefined ? undefined : this.readOwnerState({ ...input, ownerRole }),
    ]);
    return { roles, owner };
  }

  private async readOwnerState(input: OwnerRoleAccounts): Promise<OwnerRoleState> {
    const [state] = await this.query<OwnerRoleState>("readOwnerRole", OWNER_ROLE_STATE_SQL, [
      input.ownerRole,
      input.current,
      input.alternate,
    ]);
    return state as OwnerRoleState;
  }

  /**
   * One read for what syncAlternate depends on: which of the two roles
   * exist, and whether the alternate is already a member of base.
   */
  private readRoles(input: { alternate: string; base: string }): Promise<RoleRow[]> {
    return this.query<RoleRow>(
      "readRoles",
      `SELECT r.rolname,
              EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
                       WHERE m.member = r.oid AND b.rolname = $1) AS member_of_base
         FROM pg_roles r WHERE r.rolname IN ($1, $2)`,
      [input.base, input.alternate],
    );
  }

  async syncAlternate(input: AlternateAccounts & { password: string }): Promise<void> {
    this.secrets.push(input.password);
    const { roles, owner } = await this.readAhead.take(input, () => this.readSyncState(input));
    const role = (name: string) => roles.find((row) => row.rolname === name);
    if (!role(input.base)) {
      throw new DatabaseRotationRefusedError(
        `${this.step}: role ${JSON.stringify(input.base)} does not exist on ${this.endpoint.host}:${this.endpoint.port}`,
      );
    }
    const alternate = role(input.alternate);
    // Every refusal of the owner-role mode comes before the first change.
    const ownerChanges =
      input.ownerRole !== undefined && owner !== undefined
        ? planOwnerRole(
            owner,
            { ...input, ownerRole: input.ownerRole },
            { where: this.where(), alternateWillExist: alternate === undefined },
          )
        : [];
    let created = false;
    if (!alternate) {
      try {
        await this.query(
          "createRole",
          `CREATE ROLE ${this.identifier(input.alternate)} WITH LOGIN INHERIT PASSWORD ${this.literal(input.password)}`,
        );
        created = true;
      } catch (error) {
        // A concurrent run created it between our check and now: fine, the password is set below.
        if (!(error instanceof PostgresStatementError && error.sqlState === DUPLICATE_OBJECT)) {
          throw error;
        }
      }
    }
    if (!created) await this.setPassword(input.alternate, input.password);
    if (input.alternate !== input.base && !alternate?.member_of_base) {
      // GRANT of a membership already held only warns: safe when a concurrent run granted it first.
      await this.query(
        "grantMembership",
        `GRANT ${this.identifier(input.base)} TO ${this.identifier(input.alternate)}`,
      );
    }
    if (input.ownerRole !== undefined && owner !== undefined) {
      await this.applyOwnerChanges({ ...input, ownerRole: input.ownerRole }, owner, ownerChanges);
    }
  }

  async syncOwnerRole(input: AlternateAccounts & { ownerRole: string }): Promise<void> {
    const state = await this.readOwnerState(input);
    const changes = planOwnerRole(state, input, { where: this.where(), alternateWillExist: false });
    await this.applyOwnerChanges(input, state, changes);
  }

  /**
   * Makes the owner-role changes planOwnerRole decided. A role created by
   * a concurrent run between the read and the creation is read again and
   * planned anew, once.
   */
  private async applyOwnerChanges(
    input: OwnerRoleAccounts,
    state: OwnerRoleState,
    changes: readonly OwnerRoleChange[],
    retried = false,
  ): Promise<void> {
    const owner = this.identifier(input.ownerRole);
    for (const change of changes) {
      if (change.kind === "create") {
        try {
          // One simple query, so one implicit transaction: the role never exists without the member.
          await this.query(
            "createOwnerRole",
            `CREATE ROLE ${owner} NOLOGIN; GRANT ${owner} TO ${this.identifier(change.member)}`,
          );
        } catch (error) {
          if (retried || !(error instanceof PostgresStatementError)) throw error;
          if (error.sqlState !== DUPLICATE_OBJECT) throw error;
          const again = await this.readOwnerState(input);
          const plan = planOwnerRole(again, input, {
            where: this.where(),
            alternateWillExist: false,
          });
          await this.applyOwnerChanges(input, again, plan, true);
          return;
        }
      } else if (change.kind === "grant") {
        // PostgreSQL 16 gave a membership SET and INHERIT options: ask for both.
        const options = state.v16 ? " WITH INHERIT TRUE, SET TRUE" : "";
        await this.query(
          "grantOwnerRole",
          `GRANT ${owner} TO ${this.identifier(change.account)}${options}`,
        );
      } else {
        await this.query(
          "setOwnerRole",
          `ALTER ROLE ${this.identifier(change.account)} SET role = ${this.literal(input.ownerRole)}`,
        );
      }
    }
  }

  /** The server, for messages. */
  private where(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }

  async setPassword(account: string, password: string): Promise<void> {
    this.secrets.push(password);
    await this.query(
      "alterPassword",
      `ALTER ROLE ${this.identifier(account)} WITH LOGIN PASSWORD ${this.literal(password)}`,
    );
  }

  async endSessions(account: string): Promise<void> {
    await this.query(
      "endSessions",
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
      [account],
    );
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** A role as readRoles finds it. */
interface RoleRow {
  rolname: string;
  member_of_base: boolean;
}

/** What syncAlternate reads before it changes anything. */
interface SyncState {
  roles: RoleRow[];
  /** In owner-role mode only. */
  owner: OwnerRoleState | undefined;
}

class PostgresStatementError extends DatabaseStatementError {
  constructor(
    endpoint: DatabaseEndpointName,
    step: string,
    detail: string,
    readonly sqlState: string | undefined,
  ) {
    super(endpoint, step, detail);
  }
}

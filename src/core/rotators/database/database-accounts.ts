/**
 * What the database rotators need from a database engine, one implementation
 * per engine (mysql-accounts.ts, postgres-accounts.ts). The rotation strategy
 * (database-rotator.ts) is written once against this interface.
 *
 * Every login and every statement goes through `run`, the rotation's
 * external-call hook, so a crash can be injected between any two of them.
 */
import type { DatabaseEngineName, DatabaseSecretValue } from "./database-secret-value.ts";

/** Where the database is and how to reach it. */
export type DatabaseTarget = Pick<DatabaseSecretValue, "host" | "port" | "database" | "tls">;

export interface DatabaseCredentials {
  account: string;
  password: string;
}

/** Runs one external call under a name (the engine's fault hook runs first). */
export type ExternalRunner = <T>(name: string, call: () => Promise<T>) => Promise<T>;

/** The accounts a dual-account rotation works on (see DatabaseSession.syncAlternate). */
export interface AlternateAccounts {
  /** The account the secret names now. */
  current: string;
  /** The account the rotation gives the new password. */
  alternate: string;
  /** Of the two, the account whose privileges both share. */
  base: string;
  /**
   * PostgreSQL's owner-role mode: the NOLOGIN role both accounts are
   * members of and act as (postgres-owner-role.ts).
   */
  ownerRole?: string | undefined;
}

/** A logged-in connection. Methods that change other accounts need an administrator's session. */
export interface DatabaseSession {
  readonly account: string;
  /** The longest account name this server takes. */
  maxAccountNameLength(): Promise<number>;
  /** The session's own account gets a new password (single-user mode). */
  changeOwnPassword(newPassword: string): Promise<void>;
  accountExists(account: string): Promise<boolean>;
  /**
   * Makes `alternate` a working twin of `current` with `password`: created
   * when missing, given the same access (MySQL: hosts, TLS requirement and
   * grants of `current`; PostgreSQL: membership in `base`, the account whose
   * privileges both share, and with `ownerRole` the owner-role mode kept in
   * line for both accounts), and its password set. Re-running it changes
   * nothing more.
   */
  syncAlternate(input: AlternateAccounts & { password: string }): Promise<void>;
  /**
   * PostgreSQL's owner-role mode for two pre-created accounts: both are
   * made members of the owner role and their sessions act as it (created
   * when missing); refused before any change when that cannot be made safe.
   * Absent where the mode does not exist (MySQL, RDS, PolarDB).
   */
  syncOwnerRole?(input: AlternateAccounts & { ownerRole: string }): Promise<void>;
  /**
   * Reads now what syncAlternate with the same accounts will read first, so
   * that it can go on from there; changes nothing. A rotation calls it while
   * the engine stores the pending version.
   */
  readAheadForSync(input: AlternateAccounts): Promise<void>;
  setPassword(account: string, password: string): Promise<void>;
  /** Ends every open session of the account (after a leak). */
  endSessions(account: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseAccounts {
  engine: DatabaseEngineName;
  /** The longest name any supported version takes; a server may take less (see the session). */
  maxAccountNameLength: number;
  /** Logs in; throws DatabaseLoginRefusedError when the server refuses the credentials. */
  login(
    target: DatabaseTarget,
    credentials: DatabaseCredentials,
    step: string,
    run: ExternalRunner,
  ): Promise<DatabaseSession>;
}

/** Length of an account name as the engine counts it (PostgreSQL: bytes). */
export function accountNameLength(engine: DatabaseEngineName, name: string): number {
  return engine === "postgres" ? Buffer.byteLength(name, "utf8") : [...name].length;
}

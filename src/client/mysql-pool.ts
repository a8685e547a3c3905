/**
 * A mysql2 pool that takes a secret name instead of a password and keeps
 * working while the secret rotates (see database-login-source.ts).
 *
 * A connection the server ends (an emergency ends the leaked account's
 * sessions) needs nothing here, unlike pg: mysql2's pool connection listens
 * for its own 'error', leaves the pool, and reports it to no one else
 * (test/client/pool-emergency-sessions.test.ts).
 *
 * @example
 * const pool = createMysqlPool({ secretName: "shop-db", secrets: new SecretsClient() });
 * const [rows] = await pool.query("SELECT 1");
 */
import mysql from "mysql2";
import type { Pool, PoolOptions } from "mysql2/promise";
import type { DatabaseLogin } from "./database-login.ts";
import { loginSourceFor, type SecretPoolOptions } from "./database-pool-options.ts";

/** ER_ACCESS_DENIED_ERROR: wrong account name or password. */
export const MYSQL_LOGIN_REFUSED = 1045;

/** Options the login comes from: given, they would fight the secret. */
const LOGIN_OPTIONS = ["user", "password", "password1", "passwordSha1", "uri"] as const;

export interface MysqlPoolOptions
  extends Omit<PoolOptions, (typeof LOGIN_OPTIONS)[number]>,
    SecretPoolOptions {}

type ConnectionCallback = (error: unknown, connection?: unknown) => void;

/**
 * The parts of mysql2's callback pool createMysqlPool relies on. mysql2 builds
 * each new connection in `getConnection`, copying `config.connectionConfig`;
 * `query`, `execute` and the wait queue all go through `this.getConnection`.
 * The typings declare neither, hence this view.
 */
interface CorePool {
  getConnection(callback: ConnectionCallback): void;
  config: { connectionConfig: Record<string, unknown> };
  promise(): Pool;
}

/** Marks callbacks createMysqlPool passed to mysql2, which replays queued ones through getConnection. */
const OWN_CALLBACK = Symbol("rotor.mysqlOwnCallback");

export function createMysqlPool(options: MysqlPoolOptions): Pool {
  const source = loginSourceFor(options, "createMysqlPool", "mysql", LOGIN_OPTIONS);
  const { secretName: _name, secrets: _secrets, pendingStage: _stage, ...poolOptions } = options;
  const core = mysql.createPool(poolOptions as PoolOptions) as unknown as CorePool;
  const template = core.config.connectionConfig;
  const fromSecret = {
    host: poolOptions.host === undefined && poolOptions.socketPath === undefined,
    port: poolOptions.port === undefined,
    database: poolOptions.database === undefined,
    ssl: poolOptions.ssl === undefined,
  };

  /** Writes the login into the template mysql2 copies for every new connection. */
  const apply = (login: DatabaseLogin) => {
    template.user = login.user;
    // Not enumerable, like the login's own: a logged pool shows no password.
    Object.defineProperty(template, "password", {
      value: login.password,
      enumerable: false,
      writable: true,
      configurable: true,
    });
    if (fromSecret.host && login.host !== undefined) template.host = login.host;
    if (fromSecret.port && login.port !== undefined) template.port = login.port;
    if (fromSecret.database && login.database !== undefined) template.database = login.database;
    if (fromSecret.ssl && login.tls !== undefined) {
      template.ssl = { ca: login.tls.ca, rejectUnauthorized: login.tls.verify };
    }
  };

  const originalGetConnection = core.getConnection.bind(core);
  const attempt = (login: DatabaseLogin, mayRetry: boolean, callback: ConnectionCallback) => {
    const own: ConnectionCallback = (error, connection) => {
      if (error === null || error === undefined || !mayRetry || !isLoginRefused(error)) {
        callback(error, connection);
        return;
      }
      source.afterLoginRefused(login).then(
        (next) => {
          if (next === undefined) return callback(error);
          apply(next);
          attempt(next, false, callback);
        },
        (problem: unknown) => callback(problem),
      );
    };
    Object.defineProperty(own, OWN_CALLBACK, { value: true });
    originalGetConnection(own);
  };

  core.getConnection = (callback: ConnectionCallback) => {
    if (OWN_CALLBACK in callback) {
      originalGetConnection(callback);
      return;
    }
    source.forNewConnection().then(
      (login) => {
        apply(login);
        attempt(login, true, callback);
      },
      (problem: unknown) => callback(problem),
    );
  };
  return core.promise();
}

function isLoginRefused(error: unknown): boolean {
  return (error as { errno?: unknown }).errno === MYSQL_LOGIN_REFUSED;
}

/**
 * A node-postgres pool that takes a secret name instead of a password and
 * keeps working while the secret rotates (see database-login-source.ts).
 * Sessions the server ends are dropped, and their 'error' events never end
 * the process.
 *
 * @example
 * const pool = createPgPool({ secretName: "shop-db", secrets: new SecretsClient() });
 * const { rows } = await pool.query("SELECT 1");
 */
import pg from "pg";
import type { DatabaseLogin } from "./database-login.ts";
import { loginSourceFor, type SecretPoolOptions } from "./database-pool-options.ts";

/** invalid_password: wrong role name or password (PostgreSQL reports both alike). */
export const PG_LOGIN_REFUSED = "28P01";

/** Options the login comes from: given, they would fight the secret. */
const LOGIN_OPTIONS = ["user", "password", "connectionString", "Client"] as const;

export interface PgPoolOptions
  extends Omit<pg.PoolConfig, (typeof LOGIN_OPTIONS)[number]>,
    SecretPoolOptions {}

type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: boolean | Error) => void,
) => void;

export function createPgPool(options: PgPoolOptions): pg.Pool {
  const source = loginSourceFor(options, "createPgPool", "postgres", LOGIN_OPTIONS);
  const { secretName: _name, secrets: _secrets, pendingStage: _stage, ...poolOptions } = options;
  const fromSecret = {
    host: poolOptions.host === undefined,
    port: poolOptions.port === undefined,
    database: poolOptions.database === undefined,
    ssl: poolOptions.ssl === undefined,
  };
  /** The login the next new client is built with. */
  let next: DatabaseLogin | undefined;

  /**
   * pg-pool builds every new connection with `new Client(options)`; this
   * class adds the login in force at that moment. The password goes to
   * pg.Client, which keeps it out of enumerable properties.
   */
  class SecretLoginClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      const login = next;
      super({ ...config, ...(login === undefined ? {} : loginConfig(login, fromSecret)) });
      // A session the server ends makes its client emit 'error'. pg-pool
      // listens only while the client is idle or running pool.query();
      // checked out between two queries nobody would, and Node ends the
      // process on an unhandled 'error'. The client stays unusable: its
      // next query fails, and pg-pool drops it when it is released.
      this.on("error", sessionEnded);
    }
  }

  const pool = new pg.Pool({ ...poolOptions, Client: SecretLoginClient });
  // pg-pool drops an idle client whose session the server ended, then emits
  // the error on the pool; unheard, that too would end the process. The
  // next checkout opens a new connection with the current login. Listeners
  // the application adds still hear it.
  pool.on("error", sessionEnded);
  const originalConnect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;

  const connectWithLogin = async (): Promise<pg.PoolClient> => {
    const login = await source.forNewConnection();
    next = login;
    try {
      return await originalConnect();
    } catch (error) {
      if ((error as { code?: unknown }).code !== PG_LOGIN_REFUSED) throw error;
      const retry = await source.afterLoginRefused(login);
      if (retry === undefined) throw error;
      next = retry;
      return originalConnect();
    }
  };

  // pool.query() goes through this.connect too, so this covers every path.
  pool.connect = ((callback?: ConnectCallback) => {
    const connecting = connectWithLogin();
    if (callback === undefined) return connecting;
    connecting.then(
      (client) => callback(undefined, client, client.release),
      (error: Error) => callback(error, undefined, () => undefined),
    );
    return undefined;
  }) as typeof pool.connect;
  return pool;
}

/** Nothing to do: the driver has already taken the connection out of use. */
function sessionEnded(): void {}

function loginConfig(
  login: DatabaseLogin,
  fromSecret: { host: boolean; port: boolean; database: boolean; ssl: boolean },
): pg.ClientConfig {
  const config: pg.ClientConfig = { user: login.user, password: login.password };
  if (fromSecret.host && login.host !== undefined) config.host = login.host;
  if (fromSecret.port && login.port !== undefined) config.port = login.port;
  // Without one, PostgreSQL would pick a database named after the account,
  // which changes with every dual-account rotation.
  if (fromSecret.database) config.database = login.database ?? "postgres";
  if (fromSecret.ssl && login.tls !== undefined) {
    config.ssl = {
      ca: login.tls.ca,
      rejectUnauthorized: login.tls.verify,
      servername: login.tls.serverName,
    };
  }
  return config;
}

/**
 * An ioredis client that takes a secret name instead of a password and
 * keeps working while the secret rotates: each connection it opens logs in
 * with the login the secret login rule gives (secret-login-source.ts:
 * ACSCurrent from the cache; after a refusal, a newer ACSCurrent, then the
 * pending version).
 *
 * A login the server refuses (WRONGPASS, or NOAUTH) costs the application
 * no command: ioredis would fail every queued command with the refusal;
 * here the secret is read again while they wait, and the connection is
 * made again with the newer login, after which they run. A connection the
 * server closes (an emergency ends the leaked user's connections) is made
 * again the same way, and the commands it had in flight are sent again
 * (ioredis's `autoResendUnfulfilledCommands`). Only when the secret holds
 * nothing newer do the waiting commands fail, with the server's refusal.
 *
 * Standalone servers only (not Cluster or Sentinel).
 *
 * @example
 * const redis = createRedisClient({ secretName: "rotor/redis/cache", secrets: new SecretsClient() });
 * await redis.set("greeting", "hello");
 */
import { Redis, type RedisOptions } from "ioredis";
import { type RedisLogin, readRedisLogin } from "./redis-login.ts";
import { readSecretLoginOptions, type SecretLoginOptions } from "./secret-login-options.ts";
import { SecretLoginSource } from "./secret-login-source.ts";

/** Options the login comes from: given, they would fight the secret. */
const LOGIN_OPTIONS = ["username", "password"] as const;

export interface RedisClientOptions
  extends Omit<RedisOptions, (typeof LOGIN_OPTIONS)[number]>,
    SecretLoginOptions {}

/**
 * The parts of ioredis's Redis the client relies on besides its typed API:
 * `recoverFromFatalError`, which a refused handshake (AUTH, or HELLO with
 * AUTH) calls to fail every waiting command and reconnect, and
 * `flushQueue`, which fails them.
 */
interface RedisInternals {
  options: RedisOptions;
  condition?: { select?: number | undefined } | undefined;
  recoverFromFatalError(commandError: unknown, error: unknown, options?: unknown): void;
  flushQueue(error: unknown): void;
}

/** The server's replies that mean "these credentials are not (or no longer) accepted". */
export function isRedisLoginRefused(error: unknown): boolean {
  const message = (error as { message?: unknown })?.message;
  return typeof message === "string" && /^(WRONGPASS|NOAUTH)\b/.test(message);
}

export function createRedisClient(options: RedisClientOptions): Redis {
  const settings = readSecretLoginOptions(options, "createRedisClient", LOGIN_OPTIONS);
  const source = new SecretLoginSource<RedisLogin>({ ...settings, read: readRedisLogin });
  const {
    secretName: _name,
    secrets: _secrets,
    pendingStage: _stage,
    reconnectOnError: ownReconnectOnError,
    lazyConnect,
    ...redisOptions
  } = options;
  const fromSecret = {
    host: redisOptions.host === undefined && redisOptions.path === undefined,
    port: redisOptions.port === undefined,
    tls: redisOptions.tls === undefined,
  };

  /** The login the connection being made logs in with. */
  let tried: RedisLogin | undefined;
  /** A re-read of the secret after a refusal; new connections wait for it. */
  let rereading: Promise<void> | undefined;
  /** Versions refused since the last connection that worked: never tried twice in a row. */
  const refused = new Set<string>();

  const client = new Redis({
    ...redisOptions,
    // Never before the secret is read: the first command connects.
    lazyConnect: true,
    reconnectOnError(error) {
      if (isRedisLoginRefused(error)) {
        reread(tried);
        // Reconnect, and send the refused command again once logged in.
        return 2;
      }
      return ownReconnectOnError ? ownReconnectOnError(error) : false;
    },
  });
  const internals = client as unknown as RedisInternals;
  // ioredis sets the connection's condition when a connection starts, and
  // queues commands under its database; the first connection here starts
  // only once the secret is read, so the commands sent before find one.
  internals.condition ??= { select: redisOptions.db ?? 0 };

  /** Writes the login into the options ioredis reads at each connection. */
  const apply = (login: RedisLogin) => {
    const target = internals.options;
    target.username = login.user;
    // Not enumerable, like the login's own: a logged client shows no password.
    Object.defineProperty(target, "password", {
      value: login.password,
      enumerable: false,
      writable: true,
      configurable: true,
    });
    if (fromSecret.host && login.host !== undefined) target.host = login.host;
    if (fromSecret.port && login.port !== undefined) target.port = login.port;
    if (fromSecret.tls && login.tls !== undefined) {
      target.tls = {
        ca: login.tls.ca,
        rejectUnauthorized: login.tls.verify,
        ...(login.tls.serverName === undefined ? {} : { servername: login.tls.serverName }),
        ...(login.tls.verify ? {} : { checkServerIdentity: () => undefined }),
      };
    }
  };

  /** Starts one re-read of the secret after `login` was refused (none while one runs). */
  function reread(login: RedisLogin | undefined): Promise<RedisLogin | undefined> {
    if (login === undefined) return Promise.resolve(undefined);
    refused.add(login.versionId);
    const next = source
      .afterLoginRefused(login)
      .then((found) => (found === undefined || refused.has(found.versionId) ? undefined : found));
    rereading ??= next.then(
      () => {
        rereading = undefined;
      },
      () => {
        rereading = undefined;
      },
    );
    return next;
  }

  // Every connection ioredis makes (the first, on the first command; each
  // reconnection) goes through connect: the login is chosen there.
  const originalConnect = client.connect.bind(client);
  let choosing: Promise<void> | undefined;
  client.connect = ((callback?: (error?: Error | null) => void) => {
    choosing ??= (async () => {
      try {
        await rereading;
        const login = await source.forNewConnection();
        apply(login);
        tried = login;
      } catch (error) {
        // No login to try (KMS unreachable on the first read, a value that is
        // no Redis login): the commands waiting for this connection fail with it.
        internals.flushQueue(error);
        throw error;
      } finally {
        choosing = undefined;
      }
    })();
    const connected = choosing.then(() => originalConnect());
    if (callback)
      connected.then(
        () => callback(),
        (error: Error) => callback(error),
      );
    return connected;
  }) as typeof client.connect;

  // A refused handshake: keep the waiting commands, read the secret again,
  // and reconnect with what it holds now. With nothing newer, ioredis's own
  // recovery fails them with the refusal.
  const originalRecover = internals.recoverFromFatalError.bind(client);
  internals.recoverFromFatalError = (commandError, error, flushOptions) => {
    if (!isRedisLoginRefused(error) || tried === undefined) {
      originalRecover(commandError, error, flushOptions);
      return;
    }
    reread(tried).then(
      (next) => {
        if (next === undefined) originalRecover(commandError, error, flushOptions);
        else client.disconnect(true);
      },
      (problem: unknown) => originalRecover(commandError, problem, flushOptions),
    );
  };

  client.on("ready", () => refused.clear());
  // ioredis prints an unheard 'error' event; the application may listen for its own.
  client.on("error", () => undefined);
  if (lazyConnect !== true) client.connect().catch(() => undefined);
  return client;
}

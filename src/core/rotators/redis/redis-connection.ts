/**
 * A logged-in connection to a Redis server through ioredis, for the
 * rotator's own logins: every login and every command is one external call
 * through `run`, so a crash can be injected between any two.
 *
 * The connection opens without credentials and sends `AUTH <user>
 * <password>` itself, so a refused login is told apart from every other
 * failure by the server's WRONGPASS. No retries, no offline queue, no
 * reconnection: a command either reaches the server once or fails.
 */
import { isIP } from "node:net";
import type { Redis, RedisOptions } from "ioredis";
import { loadRedisDriver } from "./redis-driver.ts";
import {
  RedisCommandError,
  type RedisEndpointName,
  RedisLoginRefusedError,
  RedisUnavailableError,
  replyCode,
  scrubbedDetail,
} from "./redis-errors.ts";
import type { RedisTls } from "./redis-secret-value.ts";

/** Where a Redis server is and how to reach it. */
export interface RedisEndpoint {
  host: string;
  port: number;
  tls?: RedisTls | undefined;
}

export interface RedisCredentials {
  user: string;
  password: string;
}

/** Runs one external call under a name (the engine's fault hook runs first). */
export type ExternalRunner = <T>(name: string, call: () => Promise<T>) => Promise<T>;

const TIMEOUT_MS = 10_000;

/** ioredis's TLS options for the secret's `tls`: verified by default, never plaintext. */
export function redisTlsOptions(endpoint: RedisEndpoint): RedisOptions["tls"] {
  const tls = endpoint.tls;
  if (tls === undefined) return undefined;
  // SNI takes a name, not an address; without one Node checks the certificate against host.
  const servername = tls.serverName ?? (isIP(endpoint.host) ? undefined : endpoint.host);
  return {
    ca: tls.ca,
    rejectUnauthorized: tls.verify,
    ...(servername === undefined ? {} : { servername }),
    ...(tls.verify ? {} : { checkServerIdentity: () => undefined }),
  };
}

/** Logs in; throws RedisLoginRefusedError when the server refuses the credentials. */
export async function redisLogin(
  endpoint: RedisEndpoint,
  credentials: RedisCredentials,
  step: string,
  run: ExternalRunner,
): Promise<RedisSession> {
  const name = { host: endpoint.host, port: endpoint.port, account: credentials.user };
  const secrets = [credentials.password];
  const Driver = await loadRedisDriver();
  const client = new Driver({
    host: endpoint.host,
    port: endpoint.port,
    tls: redisTlsOptions(endpoint),
    lazyConnect: true,
    // RESP2 and no handshake: AUTH is this file's first command.
    protocol: 2,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    disableClientInfo: true,
    maintNotifications: "disabled",
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
  });
  // A connection the server drops later must not crash the process, nor print its error.
  client.on("error", () => undefined);
  await run("redis.login", async () => {
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new RedisUnavailableError(name, step, scrubbedDetail(error, secrets));
    }
    try {
      await client.call("AUTH", credentials.user, credentials.password);
    } catch (error) {
      client.disconnect();
      const detail = scrubbedDetail(error, secrets);
      if (replyCode(error) === "WRONGPASS") throw new RedisLoginRefusedError(name, step, detail);
      throw new RedisUnavailableError(name, step, detail);
    }
  });
  return new RedisSession(client, name, step, run, secrets);
}

/** A logged-in connection; `user` is who it is. */
export class RedisSession {
  readonly user: string;

  constructor(
    private readonly client: Redis,
    readonly endpoint: RedisEndpointName,
    private readonly step: string,
    private readonly run: ExternalRunner,
    /** What no error of this session may show: passwords and their hashes. */
    private readonly secrets: string[],
  ) {
    this.user = endpoint.account;
  }

  /** Adds values (a new password, its hash) that errors must never show. */
  keepSecret(...values: string[]): void {
    this.secrets.push(...values);
  }

  /** One command, one external call; errors name the purpose and the reply's text, never the arguments. */
  async command(purpose: string, ...args: [string, ...string[]]): Promise<unknown> {
    return this.run(`redis.${purpose}`, async () => {
      try {
        return await this.client.call(...args);
      } catch (error) {
        throw new RedisCommandError(
          this.endpoint,
          `${this.step}: ${purpose}`,
          scrubbedDetail(error, this.secrets),
          replyCode(error),
          // ioredis: "end" once the socket closed and no reconnect follows.
          this.client.status === "end" || this.client.status === "close",
        );
      }
    });
  }

  /**
   * Ends the connection without waiting for the server: nothing more is
   * sent on it, so the rotation's next call need not wait a round trip.
   */
  close(): void {
    this.client.disconnect();
  }
}

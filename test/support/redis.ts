/**
 * A real Redis server for tests: Debian's /usr/bin/redis-server, started in
 * the foreground on 127.0.0.1 and a free port, with its config, log and data
 * in a temporary folder. ACLs are on: the administrator is either the
 * `default` user or an ACL user of its own (then `default` is off), always
 * with a random password, so nothing logs in without one. With `tls` it
 * serves TLS only, with a server certificate signed by a fresh authority
 * (clients trust `tls.ca`).
 *
 * @example
 * const skip = skipUnlessRedis();
 * describe.skipIf(skip)("…", () => {
 *   let redis: RunningRedis;
 *   beforeAll(async () => { redis = await startRedis({ adminUser: "admin" }); });
 *   afterAll(async () => { await redis?.stop(); });
 * });
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisOptions as ClientOptions, Redis } from "ioredis";
import { issueServerCertificate } from "../core/rotators/database/self-signed-certificate.ts";

const REDIS_SERVER = "/usr/bin/redis-server";
const READY_TIMEOUT_MS = 30_000;

export interface RunningRedis {
  host: string;
  port: number;
  /** `default`, or the ACL user named in RedisServerOptions.adminUser; it may run every command. */
  adminUser: string;
  adminPassword: string;
  /** The server's version, e.g. `7.0.15`. */
  version: string;
  /** With TLS: the authority clients must trust (the server speaks only TLS then). */
  tls?: { ca: string } | undefined;
  /** Options for an ioredis client of `user` on this server (TLS included when on). */
  clientOptions(user: string, password: string): ClientOptions;
  /** True when `user` logs in with `password`; false when the server answers WRONGPASS. */
  canLogin(user: string, password: string): Promise<boolean>;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** An ACL user to administer the server with; `default` is then switched off. Default: `default`. */
  adminUser?: string;
  /** Serve TLS only, with a certificate for 127.0.0.1 and localhost. */
  tls?: boolean;
}

/** Why Redis can't run here, or undefined when it can. */
export function redisMissing(): string | undefined {
  if (!existsSync(REDIS_SERVER)) {
    return `${REDIS_SERVER} not found (apt-get install redis-server)`;
  }
  return undefined;
}

/**
 * True when the suite should be skipped. Under CI=true a missing server is a
 * failure, not a skip: CI installs it, so its absence is a broken machine.
 */
export function skipUnlessRedis(): boolean {
  const missing = redisMissing();
  if (missing === undefined) return false;
  if (process.env.CI === "true") throw new Error(`Redis is required under CI: ${missing}`);
  console.warn(`skipping Redis tests: ${missing}`);
  return true;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const missing = redisMissing();
  if (missing) throw new Error(`cannot start Redis: ${missing}`);
  const adminUser = options.adminUser ?? "default";
  const adminPassword = `Redis-${randomBytes(12).toString("hex")}`;
  const dir = await mkdtemp(join(tmpdir(), "rotor-redis-"));
  const file = (name: string) => join(dir, name);
  let ca: string | undefined;
  try {
    if (options.tls) {
      const issued = await issueServerCertificate({ dns: ["localhost"], ip: ["127.0.0.1"] });
      ca = issued.ca;
      await writeFile(file("ca.pem"), issued.ca);
      await writeFile(file("server-cert.pem"), issued.certificate);
      await writeFile(file("server-key.pem"), issued.key, { mode: 0o600 });
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  // A free port can be taken by someone else between our probe and the
  // server's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    // The password goes in a 0600 file, never on the command line (the process list is public).
    await writeFile(
      file("redis.conf"),
      configText({ dir, port, adminUser, adminPassword, tls: options.tls === true }),
      { mode: 0o600 },
    );
    const child = spawn(REDIS_SERVER, [file("redis.conf")], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const clientOptions = (user: string, password: string): ClientOptions => ({
      host: "127.0.0.1",
      port,
      username: user,
      password,
      tls: ca === undefined ? undefined : { ca, servername: "localhost" },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    try {
      const version = await waitUntilReady(clientOptions(adminUser, adminPassword), child);
      let stopped = false;
      return {
        host: "127.0.0.1",
        port,
        adminUser,
        adminPassword,
        version,
        tls: ca === undefined ? undefined : { ca },
        clientOptions,
        canLogin: (user, password) => canLogin(clientOptions(user, password), user, password),
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopProcess(child, exited);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopProcess(child, exited);
    }
  }
  const log = await readFile(file("redis.log"), "utf8").catch(() => "");
  await rm(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start: ${String(lastError)}\n${log.slice(-2000)}`, {
    cause: lastError,
  });
}

function configText(settings: {
  dir: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  tls: boolean;
}): string {
  const lines = [
    "bind 127.0.0.1",
    "protected-mode yes",
    `dir ${settings.dir}`,
    `logfile ${join(settings.dir, "redis.log")}`,
    `pidfile ${join(settings.dir, "redis.pid")}`,
    "daemonize no",
    // Nothing is written to disk: a test server's data dies with it.
    'save ""',
    "appendonly no",
  ];
  if (settings.tls) {
    lines.push(
      "port 0",
      `tls-port ${settings.port}`,
      `tls-cert-file ${join(settings.dir, "server-cert.pem")}`,
      `tls-key-file ${join(settings.dir, "server-key.pem")}`,
      `tls-ca-cert-file ${join(settings.dir, "ca.pem")}`,
      // Clients prove who they are with a password, not a certificate.
      "tls-auth-clients no",
    );
  } else {
    lines.push(`port ${settings.port}`);
  }
  const admin = `on >${settings.adminPassword} ~* &* +@all`;
  if (settings.adminUser === "default") {
    lines.push(`user default ${admin}`);
  } else {
    lines.push("user default off resetpass -@all", `user ${settings.adminUser} ${admin}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Waits for the administrator to log in; returns the server's version. */
async function waitUntilReady(options: ClientOptions, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    const client = new Redis(options);
    client.on("error", () => undefined);
    try {
      await client.connect();
      const info = await client.info("server");
      return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      client.disconnect();
    }
  }
}

/**
 * Connects without credentials, then sends AUTH itself: a refused AUTH on
 * connect only closes ioredis's connection, without saying why.
 */
async function canLogin(options: ClientOptions, user: string, password: string): Promise<boolean> {
  const client = new Redis({
    ...options,
    username: undefined,
    password: undefined,
    // Before AUTH the server refuses INFO, and HELLO (RESP3) unless it carries AUTH.
    enableReadyCheck: false,
    protocol: 2,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.call("AUTH", user, password);
    return true;
  } catch (error) {
    if (/WRONGPASS/.test(String((error as Error).message))) return false;
    throw error;
  } finally {
    client.disconnect();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

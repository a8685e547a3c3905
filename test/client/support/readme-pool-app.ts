/**
 * An application written like the README's pool example, run as its own
 * Node process by test/client/support/pool-app-process.ts: `new
 * SecretsClient()` from the environment, `createPgPool` or
 * `createMysqlPool`, and no 'error' listener of its own on the pool or its
 * connections. An unhandled 'error' event ends this process, as it would
 * end the application. The test drives it with the commands below.
 */
import type { PoolConnection as MysqlConnection, Pool as MysqlPool } from "mysql2/promise";
import type pg from "pg";
import { createMysqlPool } from "../../../src/client/mysql-pool.ts";
import { createPgPool } from "../../../src/client/pg-pool.ts";
import { SecretsClient } from "../../../src/client/secrets-client.ts";
import type { AppCommand, AppReply } from "./pool-app-process.ts";

/** What the commands need of either pool. */
interface AppPool {
  whoAmI(): Promise<string>;
  /** Checks out `count` connections at once, asks each who it is, returns them all. */
  openIdle(count: number): Promise<string[]>;
  hold(): Promise<string>;
  whoAmIOnHeld(): Promise<string>;
  releaseHeld(): void;
  /** A query that runs until the server ends its session. */
  longQuery(): Promise<unknown>;
  /** Calls `onOpened` for each new session and `onEnded` when its socket closes. */
  watchSessions(onOpened: () => void, onEnded: () => void): void;
  end(): Promise<void>;
}

const engine = process.env.APP_ENGINE;
const secretName = String(process.env.APP_SECRET_NAME);
const secrets = new SecretsClient();
const pool = engine === "mysql" ? mysqlApp() : pgApp();

let sessionsOpened = 0;
let sessionsEnded = 0;
let sessionEndWaiters: (() => void)[] = [];
pool.watchSessions(
  () => {
    sessionsOpened++;
  },
  () => {
    sessionsEnded++;
    for (const wake of sessionEndWaiters) wake();
    sessionEndWaiters = [];
  },
);
let longQuery: Promise<unknown> | undefined;

process.on("message", (message: { id: number; command: AppCommand }) => {
  run(message.command).then(
    (result) => reply({ id: message.id, result }),
    (error: unknown) => reply({ id: message.id, error: describe(error) }),
  );
});

async function run(command: AppCommand): Promise<unknown> {
  switch (command.name) {
    case "openIdle":
      return pool.openIdle(command.count);
    case "hold":
      return pool.hold();
    case "startLongQuery":
      longQuery = pool.longQuery();
      // Its outcome is asked for later; until then its failure is expected.
      longQuery.catch(() => undefined);
      return "started";
    case "longQueryOutcome":
      return longQuery;
    case "whoAmI":
      return pool.whoAmI();
    case "whoAmIOnHeld":
      try {
        return await pool.whoAmIOnHeld();
      } finally {
        pool.releaseHeld();
      }
    case "allSessionsEnded":
      while (sessionsEnded < sessionsOpened) {
        await new Promise<void>((resolve) => sessionEndWaiters.push(resolve));
      }
      return sessionsEnded;
    case "end":
      await pool.end();
      secrets.close();
      // Closing the channel lets the process end on its own: nothing else holds it.
      setImmediate(() => process.disconnect?.());
      return "ended";
  }
}

function reply(message: AppReply): void {
  process.send?.(message);
}

/** Code and message only: an error object from a driver may carry the connection's settings. */
function describe(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown }).code;
  return {
    code: typeof code === "string" ? code : undefined,
    message: error instanceof Error ? error.message : String(error),
  };
}

function pgApp(): AppPool {
  const pgPool = createPgPool({ secretName, secrets, max: 10 });
  let held: pg.PoolClient | undefined;
  const who = async (client: pg.Pool | pg.PoolClient) =>
    String((await client.query("SELECT current_user AS who")).rows[0]?.who);
  return {
    whoAmI: () => who(pgPool),
    async openIdle(count) {
      const clients = await Promise.all(Array.from({ length: count }, () => pgPool.connect()));
      const accounts = await Promise.all(clients.map(who));
      for (const client of clients) client.release();
      return accounts;
    },
    async hold() {
      held = await pgPool.connect();
      return who(held);
    },
    whoAmIOnHeld: () => who(held as pg.PoolClient),
    releaseHeld: () => held?.release(),
    longQuery: () => pgPool.query("SELECT pg_sleep(600)"),
    watchSessions(onOpened, onEnded) {
      pgPool.on("connect", (client) => {
        onOpened();
        client.once("end", onEnded);
      });
    },
    end: () => pgPool.end(),
  };
}

function mysqlApp(): AppPool {
  const mysqlPool: MysqlPool = createMysqlPool({ secretName, secrets, connectionLimit: 10 });
  let held: MysqlConnection | undefined;
  const who = async (client: MysqlPool | MysqlConnection) => {
    const [rows] = await client.query("SELECT CURRENT_USER() AS who");
    return String((rows as { who: string }[])[0]?.who).replace(/@.*$/, "");
  };
  return {
    whoAmI: () => who(mysqlPool),
    async openIdle(count) {
      const connections = await Promise.all(
        Array.from({ length: count }, () => mysqlPool.getConnection()),
      );
      const accounts = await Promise.all(connections.map(who));
      for (const connection of connections) connection.release();
      return accounts;
    },
    async hold() {
      held = await mysqlPool.getConnection();
      return who(held);
    },
    whoAmIOnHeld: () => who(held as MysqlConnection),
    releaseHeld: () => held?.release(),
    longQuery: () => mysqlPool.query("SELECT SLEEP(600)"),
    watchSessions(onOpened, onEnded) {
      // The callback pool hands out the driver's connection, whose socket is `stream`.
      (mysqlPool.pool as unknown as NodeJS.EventEmitter).on(
        "connection",
        (connection: { stream: NodeJS.EventEmitter }) => {
          onOpened();
          connection.stream.once("close", onEnded);
        },
      );
    },
    end: () => mysqlPool.end(),
  };
}

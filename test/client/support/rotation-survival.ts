/**
 * One suite, run against every engine Rotor has a pool for: an application
 * keeps querying through that pool, with new connections all the
 * time, while a rotation changes the database and the secret underneath.
 * The rotations are driven here at the database and KMS level, the way
 * Rotor's rotators change them (pending version, database change, stage
 * move), so the suite does not depend on a rotator.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient } from "../../../src/client/secrets-client.ts";
import {
  type ClientTestCloud,
  newVersionId,
  startClientCloud,
  uniqueSecretName,
} from "./client-cloud.ts";

/** A database server with an administrator, as the suite needs it. */
export interface AdminDatabase {
  host: string;
  port: number;
  database?: string | undefined;
  /** Creates an account that may run the probe query. */
  createAccount(name: string, password: string): Promise<void>;
  setPassword(name: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

/** The application side: the pool under test. */
export interface AppPool {
  /** A query through the pool; answers the account the connection logged in as. */
  whoAmI(): Promise<string>;
  /** The same on a brand-new connection, closed afterwards (connection churn). */
  whoAmIOnNewConnection(): Promise<string>;
  /** Checks out a connection and keeps it until released. */
  hold(): Promise<{ whoAmI(): Promise<string>; release(): Promise<void> }>;
  end(): Promise<void>;
}

export interface EngineUnderTest {
  engine: "mysql" | "postgres";
  startServer(): Promise<AdminDatabase>;
  createPool(secrets: SecretsClient, secretName: string): AppPool;
}

interface Login {
  AccountName: string;
  AccountPassword: string;
}

/** Queries from a few concurrent workers until stopped; counts outcomes. */
function startApplication(pool: AppPool) {
  const failures: unknown[] = [];
  const accountsOnNewConnections = new Map<string, number>();
  let queries = 0;
  let newConnections = 0;
  let lastAccount = "";
  let running = true;
  const worker = async (index: number) => {
    for (let turn = 0; running; turn++) {
      try {
        if ((turn + index) % 3 === 0) {
          const account = await pool.whoAmIOnNewConnection();
          newConnections++;
          lastAccount = account;
          accountsOnNewConnections.set(account, (accountsOnNewConnections.get(account) ?? 0) + 1);
        } else {
          await pool.whoAmI();
        }
        queries++;
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const workers = Promise.all([0, 1, 2, 3].map(worker));
  return {
    failures,
    accountsOnNewConnections,
    get queries() {
      return queries;
    },
    get newConnections() {
      return newConnections;
    },
    /** Waits until `count` more new connections have logged in (or failed). */
    async newConnectionsPass(count: number): Promise<void> {
      const target = newConnections + failures.length + count;
      while (newConnections + failures.length < target) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    /** Waits until a new connection logs in as `account` (the pool followed ACSCurrent). */
    async switchedTo(account: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      while (lastAccount !== account) {
        if (Date.now() > deadline) throw new Error(`new connections never logged in as ${account}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async stop(): Promise<void> {
      running = false;
      await workers;
    },
  };
}

function password(): string {
  return `pw-${randomBytes(12).toString("hex")}`;
}

/** @param skip true when the server is missing here (the support files throw under CI instead) */
export function describeRotationSurvival(target: EngineUnderTest, skip: boolean): void {
  describe(`${target.engine} pool across rotations`, () => {
    describe.skipIf(skip)("with a real server and the local cloud", () => {
      let db: AdminDatabase;
      let cloud: ClientTestCloud;

      beforeAll(async () => {
        [db, cloud] = await Promise.all([target.startServer(), startClientCloud()]);
      });
      afterAll(async () => {
        await Promise.all([db?.stop(), cloud?.close()]);
      });

      /** Two accounts, the secret naming the first; returns what the test needs. */
      async function setUp(prefix: string, ttlMs?: number) {
        const account = `${prefix}${randomBytes(3).toString("hex")}`;
        const alternate = `${account}_rt`;
        const first: Login = { AccountName: account, AccountPassword: password() };
        await db.createAccount(account, first.AccountPassword);
        await db.createAccount(alternate, password());
        const secretName = uniqueSecretName(`${target.engine}-app`);
        await cloud.admin.createSecret({
          secretName,
          secretData: secretValue(first),
          versionId: newVersionId(),
        });
        const logLines: string[] = [];
        const secrets = new SecretsClient({
          endpoint: cloud.endpoint,
          credentials: cloud.credentials,
          retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
          ttlMs,
          logger: {
            warn: (line) => logLines.push(line),
            info: (line) => logLines.push(line),
          },
        });
        const pool = target.createPool(secrets, secretName);
        return { account, alternate, first, secretName, secrets, pool, logLines };
      }

      function secretValue(login: Login): string {
        return JSON.stringify({
          ...login,
          engine: target.engine,
          host: db.host,
          port: db.port,
          ...(db.database === undefined ? {} : { database: db.database }),
        });
      }

      /** Dual-account: new password on the account not in use, then it becomes ACSCurrent. */
      async function dualAccountRotation(secretName: string, next: Login): Promise<void> {
        await db.setPassword(next.AccountName, next.AccountPassword);
        await cloud.admin.putSecretValue({
          secretName,
          secretData: secretValue(next),
          versionId: newVersionId(),
        });
      }

      /** Single-user: pending version, password changed on the database, then promoted. */
      async function singleUserRotation(
        secretName: string,
        next: Login,
        app: { newConnectionsPass(count: number): Promise<void> },
      ): Promise<void> {
        const versionId = newVersionId();
        await cloud.admin.putSecretValue({
          secretName,
          secretData: secretValue(next),
          versionId,
          versionStages: ["ACSPending"],
        });
        await db.setPassword(next.AccountName, next.AccountPassword);
        // The window a single-user rotation cannot avoid: the database has
        // the new password, ACSCurrent still the old one.
        await app.newConnectionsPass(10);
        await cloud.admin.updateSecretVersionStage({
          secretName,
          versionStage: "ACSCurrent",
          moveToVersion: versionId,
        });
        await cloud.admin.updateSecretVersionStage({
          secretName,
          versionStage: "ACSPending",
          removeFromVersion: versionId,
        });
      }

      it("keeps every query working through dual-account rotations, without disturbing open connections", async () => {
        // Prepare: a short TTL, so the pool follows ACSCurrent within the test
        const t = await setUp("d", 300);
        const held = await t.pool.hold();
        const app = startApplication(t.pool);
        await app.newConnectionsPass(10);
        const passwords: string[] = [t.first.AccountPassword];

        // Act: three rotations, each switching to the other account; the
        // previous account stays valid, as dual-account rotation promises
        const sequence = [t.alternate, t.account, t.alternate];
        for (const accountName of sequence) {
          const next = { AccountName: accountName, AccountPassword: password() };
          passwords.push(next.AccountPassword);
          await dualAccountRotation(t.secretName, next);
          await app.switchedTo(accountName);
          await app.newConnectionsPass(10);
        }
        await app.stop();
        const heldAccount = await held.whoAmI();
        await held.release();
        await t.pool.end();
        t.secrets.close();

        // Assess
        expect(app.failures).toEqual([]);
        expect(app.newConnections).toBeGreaterThanOrEqual(40);
        expect(heldAccount).toBe(t.account);
        for (const line of t.logLines) {
          for (const secret of passwords) expect(line).not.toContain(secret);
        }
      });

      it("keeps every query working through single-user rotations, the window between database and KMS included", async () => {
        // Prepare
        const t = await setUp("s");
        const held = await t.pool.hold();
        const app = startApplication(t.pool);
        await app.newConnectionsPass(10);

        // Act
        for (let rotation = 0; rotation < 2; rotation++) {
          const next = { AccountName: t.account, AccountPassword: password() };
          await singleUserRotation(t.secretName, next, app);
          await app.newConnectionsPass(20);
        }
        await app.stop();
        const heldAccount = await held.whoAmI();
        await held.release();
        await t.pool.end();
        t.secrets.close();

        // Assess
        expect(app.failures).toEqual([]);
        expect(app.newConnections).toBeGreaterThanOrEqual(70);
        expect(heldAccount).toBe(t.account);
      });

      it("keeps every query working through an emergency rotation that revokes the leaked login at once", async () => {
        // Prepare
        const t = await setUp("e");
        const held = await t.pool.hold();
        const app = startApplication(t.pool);
        await app.newConnectionsPass(10);

        // Act: the alternate gets a new password and becomes current, and the
        // leaked account's password is changed right away (no grace period)
        const next = { AccountName: t.alternate, AccountPassword: password() };
        await dualAccountRotation(t.secretName, next);
        await db.setPassword(t.account, password());
        await app.newConnectionsPass(30);
        await app.stop();
        const heldAccount = await held.whoAmI();
        const newConnectionAccount = await t.pool.whoAmIOnNewConnection();
        await held.release();
        await t.pool.end();
        t.secrets.close();

        // Assess
        expect(app.failures).toEqual([]);
        expect(heldAccount).toBe(t.account);
        expect(newConnectionAccount).toBe(t.alternate);
      });

      it("loses no query while KMS is down, and announces the outage without a password", async () => {
        // Prepare
        const t = await setUp("o");
        const app = startApplication(t.pool);
        await app.newConnectionsPass(10);

        // Act
        await cloud.stop();
        try {
          await t.secrets.refresh(t.secretName).catch(() => undefined); // makes the outage known
          await app.newConnectionsPass(40);
        } finally {
          await cloud.start();
        }
        await app.stop();
        await t.pool.end();
        t.secrets.close();

        // Assess
        expect(app.failures).toEqual([]);
        expect(t.logLines.some((line) => line.includes("cannot refresh"))).toBe(true);
        for (const line of t.logLines) expect(line).not.toContain(t.first.AccountPassword);
      });

      it("reports a refused login as the driver's error when the secret holds nothing that works", async () => {
        // Prepare: the secret's password is wrong and there is no pending version
        const t = await setUp("w");
        await db.setPassword(t.account, password());

        // Act
        const attempt = t.pool.whoAmI();

        // Assess
        const error = await attempt.then(
          () => undefined,
          (failure: unknown) => failure as Error,
        );
        await t.pool.end();
        t.secrets.close();
        expect(error).toBeInstanceOf(Error);
        expect(String(error?.message)).not.toContain(t.first.AccountPassword);
        expect(String(error?.message)).toMatch(/denied|authentication failed/i);
      });
    });
  });
}

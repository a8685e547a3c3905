/**
 * One full dual-account database rotation per engine, through the engine and
 * the database rotator, against real servers (MariaDB, PostgreSQL); beside
 * it, in the same run, a floor: a straight-line script doing only what any
 * rotation must (read ACSCurrent, put the pending version, ALTER the
 * alternate account's password through the master, one login with the new
 * password, move the stages).
 *
 * Both sides connect with the rotator's own driver options, and the engine
 * is built per rotation, as the function builds it per invocation. The local
 * cloud runs in its own process, as KMS is its own service: sharing this
 * process's event loop, its request handling would turn the calls a
 * rotation makes at once into calls made one after the other.
 *
 * Reported: median wall time of each and their ratio (target ≤ 1.3), KMS
 * calls and database logins per rotation (AWS's rotation templates: 14 API
 * calls and 4 logins).
 */
import { randomUUID } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import { KmsClient } from "../src/cloud-api/kms-client.ts";
import { createJsonLogger } from "../src/core/engine/json-logger.ts";
import { RotationEngine } from "../src/core/engine/rotation-engine.ts";
import { otherAccount } from "../src/core/rotators/database/database-alternate-account.ts";
import {
  DATABASE_PASSWORD_POLICIES,
  generateDatabasePassword,
} from "../src/core/rotators/database/database-password-policy.ts";
import type { DatabaseSecretValue } from "../src/core/rotators/database/database-secret-value.ts";
import { mysqlConnectionOptions } from "../src/core/rotators/database/mysql-accounts.ts";
import { mysqlRotator } from "../src/core/rotators/database/mysql-rotator.ts";
import { postgresClientConfig } from "../src/core/rotators/database/postgres-accounts.ts";
import { postgresRotator } from "../src/core/rotators/database/postgres-rotator.ts";
import { startMariaDb } from "../test/support/mariadb.ts";
import { startPostgres } from "../test/support/postgres.ts";
import type { BenchResult } from "./bench-result.ts";
import { type LocalCloudProcess, startLocalCloudProcess } from "./support/local-cloud-process.ts";

/** Measured rotations per engine and way, after one warm-up each. */
const ROUNDS = 31;

interface Server {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  database?: string;
}

type Engine = "mysql" | "postgres";

export default async function run(): Promise<BenchResult> {
  const lines: string[] = [];
  const numbers: Record<string, number> = {};
  const [cloud, maria, postgres] = await Promise.all([
    startLocalCloudProcess(),
    startMariaDb(),
    startPostgres(),
  ]);
  try {
    for (const [engine, server] of [
      ["mysql", maria],
      ["postgres", postgres],
    ] as const) {
      const result = await benchEngine(engine, server, cloud);
      const ratio = result.engineMs / result.floorMs;
      lines.push(
        `- ${engine}: rotation ${result.engineMs.toFixed(1)} ms (median of ${ROUNDS}), floor ${result.floorMs.toFixed(1)} ms, ratio ${ratio.toFixed(2)} (target ≤ 1.3); ` +
          `${result.kmsCalls} KMS calls and ${result.logins} database logins per rotation (floor: ${result.floorKmsCalls} and ${result.floorLogins}; AWS: 14 and 4)`,
      );
      numbers[`${engine}RotationMs`] = round(result.engineMs);
      numbers[`${engine}FloorMs`] = round(result.floorMs);
      numbers[`${engine}Ratio`] = round(ratio);
      numbers[`${engine}KmsCalls`] = result.kmsCalls;
      numbers[`${engine}Logins`] = result.logins;
    }
  } finally {
    await Promise.all([maria.stop(), postgres.stop(), cloud.stop()]);
  }
  return {
    name: "Database rotation",
    description: `One full dual-account rotation per engine (MariaDB, PostgreSQL) through the engine, against a straight-line floor script run in the same process on the same servers, connecting with the same driver options; ${ROUNDS} rounds each, alternating which goes first, medians. The local cloud and the database servers run as their own processes.`,
    lines,
    numbers,
  };
}

async function benchEngine(engine: Engine, server: Server, cloud: LocalCloudProcess) {
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const masterName = `bench/${engine}-master-${randomUUID().slice(0, 8)}`;
  await kms.createSecret({
    secretName: masterName,
    versionId: "v0",
    secretData: JSON.stringify({
      AccountName: server.adminUser,
      AccountPassword: server.adminPassword,
      engine,
      host: server.host,
      port: server.port,
    }),
  });
  const engineSecret = await newSecret(engine, server, kms, masterName, "engine");
  const floorSecret = await newSecret(engine, server, kms, masterName, "floor");

  let kmsCalls = 0;
  let logins = 0;
  // One engine and logger per rotation, as the function builds them per invocation.
  const rotate = () =>
    new RotationEngine({
      kms: {
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        observer: { before: () => void kmsCalls++ },
      },
      rotators: { mysql: mysqlRotator, postgres: postgresRotator },
      log: createJsonLogger(() => undefined),
      beforeExternalCall: (call) => {
        if (call.kind === "external" && call.name.endsWith(".login")) logins++;
      },
    }).rotate({ secretName: engineSecret });
  let floorKmsCalls = 0;
  let floorLogins = 0;
  const floorKms = new KmsClient({
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    observer: { before: () => void floorKmsCalls++ },
  });
  const floor = async () => {
    floorLogins += await floorRotation(engine, server, floorKms, floorSecret);
  };

  // Warm-up: the first rotation creates the alternate accounts.
  await rotate();
  await floor();

  const engineTimes: number[] = [];
  const floorTimes: number[] = [];
  kmsCalls = 0;
  logins = 0;
  floorKmsCalls = 0;
  floorLogins = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first so drift in machine load hits both alike.
    if (round % 2 === 0) {
      engineTimes.push(await timed(rotate));
      floorTimes.push(await timed(floor));
    } else {
      floorTimes.push(await timed(floor));
      engineTimes.push(await timed(rotate));
    }
  }
  return {
    engineMs: median(engineTimes),
    floorMs: median(floorTimes),
    kmsCalls: kmsCalls / ROUNDS,
    logins: logins / ROUNDS,
    floorKmsCalls: floorKmsCalls / ROUNDS,
    floorLogins: floorLogins / ROUNDS,
  };
}

/** An application account with a grant, and its dual-account secret. */
async function newSecret(
  engine: Engine,
  server: Server,
  kms: KmsClient,
  masterSecret: string,
  label: string,
): Promise<string> {
  const account = `bench_${label}_${randomUUID().slice(0, 6)}`;
  const password = generateDatabasePassword(DATABASE_PASSWORD_POLICIES[engine]);
  await adminDo(engine, server, async (query) => {
    if (engine === "mysql") {
      await query("CREATE DATABASE IF NOT EXISTS bench");
      await query(`CREATE TABLE IF NOT EXISTS bench.t_${label} (id INT)`);
      await query(`CREATE USER '${account}'@'%' IDENTIFIED BY '${password}'`);
      await query(`GRANT SELECT ON bench.t_${label} TO '${account}'@'%'`);
      // The floor does not create its alternate: give it one up front.
      if (label === "floor") {
        await query(`CREATE USER '${account}_rt'@'%' IDENTIFIED BY '${password}'`);
        await query(`GRANT SELECT ON bench.t_${label} TO '${account}_rt'@'%'`);
      }
    } else {
      await query(`CREATE TABLE IF NOT EXISTS t_${label} (id int)`);
      await query(`CREATE ROLE ${account} LOGIN PASSWORD '${password}'`);
      await query(`GRANT SELECT ON t_${label} TO ${account}`);
      if (label === "floor") {
        await query(`CREATE ROLE ${account}_rt LOGIN PASSWORD '${password}' IN ROLE ${account}`);
      }
    }
  });
  const value: DatabaseSecretValue = {
    AccountName: account,
    AccountPassword: password,
    engine,
    host: server.host,
    port: server.port,
    ...(server.database ? { database: server.database } : {}),
    masterSecret,
  };
  const secretName = `bench/${engine}-${label}-${randomUUID().slice(0, 8)}`;
  await kms.createSecret({
    secretName,
    versionId: "v0",
    secretData: JSON.stringify(value),
    tags: [{ key: "rotor:rotator", value: engine }],
  });
  return secretName;
}

/**
 * The least a dual-account rotation can do; returns the logins it made.
 * No checks, no lock, no resumption: a floor, not a rotator.
 */
async function floorRotation(
  engine: Engine,
  server: Server,
  kms: KmsClient,
  secretName: string,
): Promise<number> {
  const current = await kms.getSecretValue({ secretName });
  const value = JSON.parse(current.secretData) as DatabaseSecretValue;
  const pending: DatabaseSecretValue = {
    ...value,
    AccountName: otherAccount(value),
    AccountPassword: generateDatabasePassword(DATABASE_PASSWORD_POLICIES[engine]),
  };
  const versionId = `floor-${randomUUID()}`;
  await kms.putSecretValue({
    secretName,
    versionId,
    secretData: JSON.stringify(pending),
    versionStages: ["ACSPending"],
  });
  await adminDo(engine, server, async (_query, setPassword) => {
    await setPassword(pending.AccountName, pending.AccountPassword);
  });
  await login(engine, server, pending.AccountName, pending.AccountPassword);
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSPrevious",
    moveToVersion: current.versionId,
  });
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSCurrent",
    moveToVersion: versionId,
  });
  await kms.updateSecretVersionStage({
    secretName,
    versionStage: "ACSPending",
    removeFromVersion: versionId,
  });
  return 2;
}

async function adminDo(
  engine: Engine,
  server: Server,
  work: (
    query: (sql: string) => Promise<unknown>,
    setPassword: (account: string, password: string) => Promise<unknown>,
  ) => Promise<void>,
): Promise<void> {
  const admin = { account: server.adminUser, password: server.adminPassword };
  if (engine === "mysql") {
    const connection = await mysql.createConnection(mysqlConnectionOptions(server, admin));
    try {
      await work(
        (sql) => connection.query(sql),
        (account, password) =>
          connection.query("ALTER USER ?@'%' IDENTIFIED BY ?", [account, password]),
      );
    } finally {
      await connection.end();
    }
    return;
  }
  const client = new pg.Client(postgresClientConfig(server, admin));
  await client.connect();
  try {
    await work(
      (sql) => client.query(sql),
      (account, password) =>
        client.query(
          `ALTER ROLE ${client.escapeIdentifier(account)} PASSWORD ${client.escapeLiteral(password)}`,
        ),
    );
  } finally {
    await client.end();
  }
}

async function login(engine: Engine, server: Server, account: string, password: string) {
  if (engine === "mysql") {
    const connection = await mysql.createConnection(
      mysqlConnectionOptions(server, { account, password }),
    );
    await connection.end();
    return;
  }
  const client = new pg.Client(postgresClientConfig(server, { account, password }));
  await client.connect();
  await client.end();
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

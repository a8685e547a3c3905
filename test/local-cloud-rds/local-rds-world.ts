/**
 * What a local RDS test world holds whatever engine stands behind the
 * DBInstanceId (MariaDB or PostgreSQL): the cloud, the instance, RDS clients
 * for it, and the server-side checks (logins, statements) that prove what an
 * RDS action or a rotation did. Also the suite lifecycle both engines'
 * worlds share, and account names and passwords RDS accepts.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RdsClient, type RdsClientOptions } from "../../src/clients/rds-client.ts";
import type { TestCloud } from "../support/local-cloud.ts";

export interface LocalRdsWorld {
  cloud: TestCloud;
  /** The DBInstanceId the local RDS product maps to the database server. */
  instanceId: string;
  /** Where the database server behind the instance listens. */
  server: { host: string; port: number };
  /** Every line the local cloud logged. */
  logLines: string[];
  /** An RDS client for the cloud, as root unless other credentials are given; fast retries. */
  rds(options?: Omit<RdsClientOptions, "endpoint">): RdsClient;
  /** A new database holding a table `items` (made by the administrator, as RDS's CreateDatabase would). */
  createDatabase(): Promise<string>;
  /** True when the account logs in with the password; false when the server refuses it. */
  canLogin(account: string, password: string, database?: string): Promise<boolean>;
  /** Runs one statement as the account on `database`. */
  runAs(account: string, password: string, database: string, sql: string): Promise<void>;
}

/** RDS clients for `cloud`: as root unless other credentials are given, with fast retries. */
export function rdsClientsFor(cloud: TestCloud): LocalRdsWorld["rds"] {
  return (options = {}) =>
    new RdsClient({
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      ...options,
      endpoint: cloud.endpoint,
    });
}

/**
 * Builds a world in beforeAll and tears it down in afterAll. `start` hands
 * each stop to `atEnd` as soon as the thing it stops is running, so a start
 * that fails half-way still stops what it had started; stops run last-first.
 * The returned accessor gives the world inside a test.
 */
export function useSuiteWorld<World>(
  label: string,
  start: (atEnd: (stop: () => Promise<void>) => void) => Promise<World>,
  startTimeoutMs: number,
): () => World {
  let world: World | undefined;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    world = await start((stop) => stops.unshift(stop));
  }, startTimeoutMs);
  afterAll(async () => {
    for (const stop of stops) await stop();
  });
  return () => {
    if (!world) throw new Error(`${label}: the servers start in beforeAll; use it in a test`);
    return world;
  };
}

/** A password RDS accepts (upper, lower, digits and a special), unique per call. */
export function rdsPassword(): string {
  return `Rds-${randomBytes(10).toString("hex")}A`;
}

/** An account name RDS accepts, unique per call. */
export function rdsAccountName(prefix = "app"): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/**
 * What a local RDS test world holds whatever engine stands behind the
 * DBInstanceId (MariaDB or PostgreSQL): the cloud, the instance, RDS clients
 * for it, and the server-side checks (logins, statements) that prove what an
 * RDS action or a rotation did; how such a world starts, and the suite
 * lifecycle around it. Also account names and passwords RDS accepts.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RdsClient, type RdsClientOptions } from "../../../src/cloud-api/rds-client.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import type { RdsBackingServer } from "./rds-backing-servers.ts";

export interface LocalRdsWorld extends Omit<RdsBackingServer, "instance"> {
  cloud: TestCloud;
  /** The DBInstanceId the local RDS product maps to the database server. */
  instanceId: string;
  /** Where the database server behind the instance listens. */
  server: { host: string; port: number };
  /** Every line the local cloud logged. */
  logLines: string[];
  /** An RDS client for the cloud, as root unless other credentials are given; fast retries. */
  rds(options?: Omit<RdsClientOptions, "endpoint">): RdsClient;
}

/**
 * Starts a local cloud (memory only) whose RDS product maps a new
 * DBInstanceId (`idPrefix` and a random tail, as RDS names them) to the
 * server, and gives the world around it. `atEnd` receives the cloud's stop.
 */
export async function startLocalRdsWorld(
  atEnd: (stop: () => Promise<void>) => void,
  server: { host: string; port: number },
  backing: RdsBackingServer,
  idPrefix: string,
): Promise<LocalRdsWorld> {
  const instanceId = `${idPrefix}local${randomBytes(4).toString("hex")}`;
  const logLines: string[] = [];
  const cloud = await startTestCloud({
    inMemory: true,
    log: (line) => logLines.push(line),
    rdsInstances: { [instanceId]: backing.instance },
  });
  atEnd(() => cloud.close());
  return {
    cloud,
    instanceId,
    server,
    logLines,
    rds: rdsClientsFor(cloud),
    createDatabase: backing.createDatabase,
    canLogin: backing.canLogin,
    runAs: backing.runAs,
    runAsAdmin: backing.runAsAdmin,
  };
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

/** A new Normal account made with CreateAccount, for a test to act on. */
export async function newRdsAccount(
  world: LocalRdsWorld,
  options: { prefix?: string; accountType?: "Normal" | "Super" } = {},
): Promise<{ name: string; password: string }> {
  const name = rdsAccountName(options.prefix);
  const password = rdsPassword();
  await world.rds().createAccount({
    dbInstanceId: world.instanceId,
    accountName: name,
    accountPassword: password,
    accountType: options.accountType,
  });
  return { name, password };
}

/** The account as DescribeAccounts reports it (undefined when there is none). */
export async function describedAccount(world: LocalRdsWorld, name: string) {
  const { accounts } = await world
    .rds()
    .describeAccounts({ dbInstanceId: world.instanceId, accountName: name });
  return accounts[0];
}

/** The account's privileges by database, as DescribeAccounts reports them. */
export async function privilegesOf(
  world: LocalRdsWorld,
  name: string,
): Promise<Record<string, string>> {
  const account = await describedAccount(world, name);
  return Object.fromEntries(
    (account?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
  );
}

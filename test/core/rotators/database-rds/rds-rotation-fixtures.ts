/**
 * For the RDS rotation tests, whatever engine stands behind the DBInstanceId:
 * each engine's description (rotator, the privilege an application account
 * holds on its own database, the world of servers the tests run against),
 * an application account made the RDS way (CreateAccount, then that
 * privilege on a database of its own) with its secret value naming the
 * instance, and engines whose database rotator sends its RDS calls to the
 * local cloud.
 */
import { randomUUID } from "node:crypto";
import type { RdsClient } from "../../../../src/cloud-api/rds-client.ts";
import type { ExternalCall } from "../../../../src/core/contract/rotator-contract.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import type { DatabaseAccounts } from "../../../../src/core/rotators/database/database-accounts.ts";
import { createDatabaseRotator } from "../../../../src/core/rotators/database/database-rotator.ts";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import { mysqlAccounts } from "../../../../src/core/rotators/database/mysql-accounts.ts";
import { postgresAccounts } from "../../../../src/core/rotators/database/postgres-accounts.ts";
import { type LocalRds, useLocalRds } from "../../../local-cloud/rds/local-rds.ts";
import {
  type LocalPostgresRds,
  useLocalPostgresRds,
} from "../../../local-cloud/rds/local-rds-postgres.ts";
import {
  type LocalRdsWorld,
  rdsAccountName,
  rdsPassword,
} from "../../../local-cloud/rds/local-rds-world.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import { skipUnlessMariaDb } from "../../../support/mariadb.ts";
import { skipUnlessPostgres } from "../../../support/postgres.ts";

/** What differs between the engines an RDS rotation runs on. */
export interface RdsRotationEngine<World extends LocalRdsWorld = LocalRdsWorld> {
  /** The rotator's kind: the secret's `engine` and its `rotor:rotator` tag. */
  kind: "mysql" | "postgres";
  /** The server that stands behind the local instance. */
  serverName: "MariaDB" | "PostgreSQL";
  accounts: DatabaseAccounts;
  /** The server's usual port, for secret values that never reach it. */
  defaultPort: number;
  /** How RDS starts this engine's DBInstanceIds. */
  idPrefix: "rm-" | "pgm-";
  /** The privilege an application account gets on its own database. */
  ownerPrivilege: "ReadWrite" | "DBOwner";
  /** A second privilege RDS grants by name on this engine. */
  otherPrivilege: "ReadOnly" | "DBOwner";
  /** True to skip this engine's suites (the server is missing and CI is not set). */
  skip(): boolean | Promise<boolean>;
  /** Starts the server and a local cloud around the calling describe block. */
  useWorld(): () => World;
}

export const RDS_MYSQL: RdsRotationEngine<LocalRds> = {
  kind: "mysql",
  serverName: "MariaDB",
  accounts: mysqlAccounts,
  defaultPort: 3306,
  idPrefix: "rm-",
  ownerPrivilege: "ReadWrite",
  otherPrivilege: "ReadOnly",
  skip: skipUnlessMariaDb,
  useWorld: useLocalRds,
};

export const RDS_POSTGRES: RdsRotationEngine<LocalPostgresRds> = {
  kind: "postgres",
  serverName: "PostgreSQL",
  accounts: postgresAccounts,
  defaultPort: 5432,
  idPrefix: "pgm-",
  ownerPrivilege: "DBOwner",
  otherPrivilege: "DBOwner",
  skip: skipUnlessPostgres,
  useWorld: useLocalPostgresRds,
};

/** The engine's database rotator with its RDS calls going to `rds()`. */
export function rdsRotator(engine: RdsRotationEngine, rds: () => RdsClient) {
  return createDatabaseRotator(engine.accounts, { rds: { rds: () => rds() } });
}

/** A new RDS account with the owner privilege on a new database; returns the secret value naming it. */
export async function createRdsApplicationAccount(
  world: LocalRdsWorld,
  engine: RdsRotationEngine,
  mode: "dual" | "single",
): Promise<DatabaseSecretValue & { database: string }> {
  const rds = world.rds();
  const database = await world.createDatabase();
  const AccountName = rdsAccountName();
  const AccountPassword = rdsPassword();
  await rds.createAccount({
    dbInstanceId: world.instanceId,
    accountName: AccountName,
    accountPassword: AccountPassword,
  });
  await rds.grantAccountPrivilege({
    dbInstanceId: world.instanceId,
    accountName: AccountName,
    grants: [{ dbName: database, privilege: engine.ownerPrivilege }],
  });
  return {
    AccountName,
    AccountPassword,
    engine: engine.kind,
    host: world.server.host,
    port: world.server.port,
    database,
    DBInstanceId: world.instanceId,
    mode,
  };
}

export interface RdsEngineOptions {
  /** The RDS client the rotator uses (default: the world's, as root). */
  rds?: () => RdsClient;
  beforeExternalCall?: (call: ExternalCall) => void;
  /** Shifts the engine's clock, e.g. past every lease. */
  clockOffsetMs?: number;
}

export interface RdsRotationSetup {
  /** Every line the rotation engines logged. */
  logLines: string[];
  engine(options?: RdsEngineOptions): RotationEngine;
  createSecret(value: DatabaseSecretValue): Promise<string>;
  read(secretName: string, stage?: string): Promise<DatabaseSecretValue>;
  /** How many versions hold ACSCurrent, ACSPrevious and ACSPending. */
  stageCounts(secretName: string): Promise<number[]>;
}

/** Rotation engines for the engine's rotator against the world's cloud, and the secrets they rotate. */
export function rdsRotationSetup(
  world: LocalRdsWorld,
  engine: RdsRotationEngine,
): RdsRotationSetup {
  const logLines: string[] = [];
  const { cloud } = world;
  return {
    logLines,
    engine(options = {}) {
      const rds = options.rds ?? (() => world.rds());
      const offset = options.clockOffsetMs ?? 0;
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { [engine.kind]: rdsRotator(engine, rds) },
        policy: ANY_INSTANCE,
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: options.beforeExternalCall,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret(value) {
      const secretName = `rds-${engine.kind}-${randomUUID().slice(0, 8)}`;
      await cloud.kms.createSecret({
        secretName,
        versionId: `v0-${randomUUID()}`,
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: engine.kind }],
      });
      return secretName;
    },
    async read(secretName, stage = "ACSCurrent") {
      const version = await cloud.kms.getSecretValue({ secretName, versionStage: stage });
      return JSON.parse(version.secretData) as DatabaseSecretValue;
    },
    async stageCounts(secretName) {
      const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
      const holding = (stage: string) =>
        versions.filter((version) => version.versionStages.includes(stage)).length;
      return [holding("ACSCurrent"), holding("ACSPrevious"), holding("ACSPending")];
    },
  };
}

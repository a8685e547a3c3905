/**
 * For the PolarDB rotation tests, whichever edition stands behind the
 * DBClusterId: each edition's description (rotator, server, the privilege
 * an application account holds on its database), an application account
 * made the PolarDB way with its secret value naming the cluster, and
 * engines whose database rotator sends its PolarDB calls to the local cloud.
 *
 * PolarDB for PostgreSQL's API gives accounts no privileges, so there an
 * application's two accounts are made with CreateAccount and given their
 * rights in SQL, through a group role both are members of, as a database
 * owner would set them up (the pre-created pair dual-account mode needs).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { PolarDbClient } from "../../../../src/cloud-api/polardb-client.ts";
import type { DeployPolicy } from "../../../../src/core/contract/deploy-policy.ts";
import type { ExternalCall } from "../../../../src/core/contract/rotator-contract.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import type { DatabaseAccounts } from "../../../../src/core/rotators/database/database-accounts.ts";
import { createDatabaseRotator } from "../../../../src/core/rotators/database/database-rotator.ts";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import { mysqlAccounts } from "../../../../src/core/rotators/database/mysql-accounts.ts";
import { postgresAccounts } from "../../../../src/core/rotators/database/postgres-accounts.ts";
import {
  type LocalPolarDbWorld,
  polarDbAccountName,
  polarDbPassword,
  useLocalPolarDb,
} from "../../../local-cloud/polardb/local-polardb-world.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import { skipUnlessMariaDb } from "../../../support/mariadb.ts";
import { skipUnlessPostgres } from "../../../support/postgres.ts";

/** What differs between the editions a PolarDB rotation runs on. */
export interface PolarDbRotationEngine {
  /** The rotator's kind: the secret's `engine` and its `rotor:rotator` tag. */
  kind: "mysql" | "postgres";
  edition: "MySQL" | "PostgreSQL";
  /** The server that stands behind the local cluster. */
  serverName: "MariaDB" | "PostgreSQL";
  accounts: DatabaseAccounts;
  /**
   * How the application's accounts take turns: the alternate made through
   * the API (MySQL), or two accounts made beforehand (PostgreSQL).
   */
  dualMode: "suffix" | "pair";
  /** True to skip this edition's suites (the server is missing and CI is not set). */
  skip(): boolean | Promise<boolean>;
  /** Starts the server and a local cloud around the calling describe block. */
  useWorld(): () => LocalPolarDbWorld;
}

export const POLARDB_MYSQL: PolarDbRotationEngine = {
  kind: "mysql",
  edition: "MySQL",
  serverName: "MariaDB",
  accounts: mysqlAccounts,
  dualMode: "suffix",
  skip: skipUnlessMariaDb,
  useWorld: () => useLocalPolarDb("MySQL"),
};

export const POLARDB_POSTGRES: PolarDbRotationEngine = {
  kind: "postgres",
  edition: "PostgreSQL",
  serverName: "PostgreSQL",
  accounts: postgresAccounts,
  dualMode: "pair",
  skip: skipUnlessPostgres,
  useWorld: () => useLocalPolarDb("PostgreSQL"),
};

/** The edition's database rotator with its PolarDB calls going to `polardb()`. */
export function polarDbRotator(engine: PolarDbRotationEngine, polardb: () => PolarDbClient) {
  return createDatabaseRotator(engine.accounts, { polardb: { polardb: () => polardb() } });
}

export type PolarDbSecretValue = DatabaseSecretValue & { database: string };

type Credentials = Pick<DatabaseSecretValue, "AccountName" | "AccountPassword">;

/** An application's secret value, and for a pre-created pair the second account's credentials. */
export interface PolarDbApplication {
  value: PolarDbSecretValue;
  second?: Credentials;
}

/**
 * A new application on the cluster, with a database of its own holding a
 * table `items`, and the secret value naming it: one account (single-user,
 * or dual-account where the API makes the alternate) or, for a pair, two
 * accounts sharing a group role, the first one current.
 */
export async function createPolarDbApplication(
  world: LocalPolarDbWorld,
  engine: PolarDbRotationEngine,
  mode: "dual" | "single",
): Promise<PolarDbApplication> {
  const database = await world.createDatabase();
  const pair = mode === "dual" && engine.dualMode === "pair";
  const accounts = (pair ? [0, 1] : [0]).map(() => ({
    AccountName: polarDbAccountName(),
    AccountPassword: polarDbPassword(),
  }));
  for (const account of accounts) {
    await world.polardb().createAccount({
      dbClusterId: world.clusterId,
      accountName: account.AccountName,
      accountPassword: account.AccountPassword,
      accountType: "Normal",
      ...(engine.edition === "MySQL"
        ? { grants: [{ dbName: database, privilege: "ReadWrite" as const }] }
        : {}),
    });
  }
  if (engine.edition === "PostgreSQL") {
    const group = `grp_${randomBytes(4).toString("hex")}`;
    const members = accounts.map((account) => account.AccountName).join(", ");
    await world.runAsAdmin(database, `CREATE ROLE ${group} NOLOGIN`);
    await world.runAsAdmin(
      database,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${group}`,
    );
    await world.runAsAdmin(database, `GRANT ALL ON TABLE items TO ${group}`);
    await world.runAsAdmin(database, `GRANT ${group} TO ${members}`);
  }
  const [first, second] = accounts as [Credentials, Credentials | undefined];
  const value: PolarDbSecretValue = {
    AccountName: first.AccountName,
    AccountPassword: first.AccountPassword,
    engine: engine.kind,
    host: world.cluster.host,
    port: world.cluster.port,
    database,
    DBClusterId: world.clusterId,
    mode,
    ...(second ? { accounts: [first.AccountName, second.AccountName] as [string, string] } : {}),
  };
  return second ? { value, second } : { value };
}

export interface PolarDbEngineOptions {
  /** The PolarDB client the rotator uses (default: the world's, as root). */
  polardb?: () => PolarDbClient;
  beforeExternalCall?: (call: ExternalCall) => void;
  /** Shifts the engine's clock, e.g. past every lease. */
  clockOffsetMs?: number;
  /** What the deployment allows (default: every instance and cluster). */
  policy?: DeployPolicy;
}

export interface PolarDbRotationSetup {
  /** Every line the rotation engines logged. */
  logLines: string[];
  engine(options?: PolarDbEngineOptions): RotationEngine;
  /**
   * Stores the application's value as a new secret; for a pre-created
   * pair, the second account's credentials first, so ACSPrevious holds its
   * password. Returns the secret's name.
   */
  createSecret(application: PolarDbApplication): Promise<string>;
  read(secretName: string, stage?: string): Promise<PolarDbSecretValue>;
  /** How many versions hold ACSCurrent, ACSPrevious and ACSPending. */
  stageCounts(secretName: string): Promise<number[]>;
}

/** Rotation engines for the edition's rotator against the world's cloud, and the secrets they rotate. */
export function polarDbRotationSetup(
  world: LocalPolarDbWorld,
  engine: PolarDbRotationEngine,
): PolarDbRotationSetup {
  const logLines: string[] = [];
  const { cloud } = world;
  return {
    logLines,
    engine(options = {}) {
      const polardb = options.polardb ?? (() => world.polardb());
      const offset = options.clockOffsetMs ?? 0;
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { [engine.kind]: polarDbRotator(engine, polardb) },
        policy: options.policy ?? ANY_INSTANCE,
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: options.beforeExternalCall,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret({ value, second }) {
      const secretName = `polardb-${engine.kind}-${randomUUID().slice(0, 8)}`;
      const versions = second ? [{ ...value, ...second }, value] : [value];
      for (const [index, version] of versions.entries()) {
        const write = {
          secretName,
          versionId: `v${index}-${randomUUID()}`,
          secretData: JSON.stringify(version),
        };
        if (index === 0) {
          await cloud.kms.createSecret({
            ...write,
            tags: [{ key: "rotor:rotator", value: engine.kind }],
          });
        } else {
          await cloud.kms.putSecretValue(write);
        }
      }
      return secretName;
    },
    async read(secretName, stage = "ACSCurrent") {
      const version = await cloud.kms.getSecretValue({ secretName, versionStage: stage });
      return JSON.parse(version.secretData) as PolarDbSecretValue;
    },
    async stageCounts(secretName) {
      const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
      const holding = (stage: string) =>
        versions.filter((version) => version.versionStages.includes(stage)).length;
      return [holding("ACSCurrent"), holding("ACSPrevious"), holding("ACSPending")];
    },
  };
}

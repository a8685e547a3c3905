/**
 * For the RDS rotation tests: an application account made the RDS way
 * (CreateAccount, then ReadWrite on a database of its own), its secret
 * value naming the instance, a database rotator whose RDS client points at
 * the local cloud, and an engine running it.
 */
import { randomUUID } from "node:crypto";
import type { RdsClient } from "../../../src/clients/rds-client.ts";
import { createJsonLogger } from "../../../src/engine/json-logger.ts";
import { RotationEngine } from "../../../src/engine/rotation-engine.ts";
import { createDatabaseRotator } from "../../../src/rotators/database/database-rotator.ts";
import type { DatabaseSecretValue } from "../../../src/rotators/database/database-secret-value.ts";
import { mysqlAccounts } from "../../../src/rotators/database/mysql-accounts.ts";
import type { LocalRds } from "../../local-cloud-rds/local-rds.ts";
import { rdsAccountName, rdsPassword } from "../../local-cloud-rds/local-rds-world.ts";

/** The MySQL rotator with its RDS calls going to `rds()`. */
export function rdsMysqlRotator(rds: () => RdsClient) {
  return createDatabaseRotator(mysqlAccounts, { rds: { rds: () => rds() } });
}

/** A new RDS account with ReadWrite on a new database; returns the secret value naming it. */
export async function createRdsApplicationAccount(
  world: LocalRds,
  options: { mode: "dual" | "single" },
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
    grants: [{ dbName: database, privilege: "ReadWrite" }],
  });
  return {
    AccountName,
    AccountPassword,
    engine: "mysql",
    host: world.mariaDb.host,
    port: world.mariaDb.port,
    database,
    DBInstanceId: world.instanceId,
    mode: options.mode,
  };
}

export interface RdsRotationSetup {
  logLines: string[];
  engine(rds?: () => RdsClient): RotationEngine;
  createSecret(value: DatabaseSecretValue): Promise<string>;
  read(secretName: string, stage?: string): Promise<DatabaseSecretValue>;
}

export function rdsRotationSetup(world: LocalRds): RdsRotationSetup {
  const logLines: string[] = [];
  const { cloud } = world;
  return {
    logLines,
    engine(rds = () => world.rds()) {
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { mysql: rdsMysqlRotator(rds) },
        log: createJsonLogger((line) => logLines.push(line)),
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret(value) {
      const secretName = `rds-${randomUUID().slice(0, 8)}`;
      await cloud.kms.createSecret({
        secretName,
        versionId: `v0-${randomUUID()}`,
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: "mysql" }],
      });
      return secretName;
    },
    async read(secretName, stage = "ACSCurrent") {
      const version = await cloud.kms.getSecretValue({ secretName, versionStage: stage });
      return JSON.parse(version.secretData) as DatabaseSecretValue;
    },
  };
}

/**
 * For the PostgreSQL-over-RDS rotation tests: an application account made
 * the RDS way (CreateAccount, then DBOwner on a database of its own), its
 * secret value naming the instance, and the postgres rotator with its RDS
 * calls going to the local cloud.
 */
import type { RdsClient } from "../../../src/clients/rds-client.ts";
import { createDatabaseRotator } from "../../../src/rotators/database/database-rotator.ts";
import type { DatabaseSecretValue } from "../../../src/rotators/database/database-secret-value.ts";
import { postgresAccounts } from "../../../src/rotators/database/postgres-accounts.ts";
import type { LocalPostgresRds } from "../../local-cloud-rds/local-rds-postgres.ts";
import { rdsAccountName, rdsPassword } from "../../local-cloud-rds/local-rds-world.ts";

/** The postgres rotator with its RDS calls going to `rds()`. */
export function rdsPostgresRotator(rds: () => RdsClient) {
  return createDatabaseRotator(postgresAccounts, { rds: { rds: () => rds() } });
}

/** A new RDS account with DBOwner on a new database; returns the secret value naming it. */
export async function createPostgresRdsAccount(
  world: LocalPostgresRds,
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
    grants: [{ dbName: database, privilege: "DBOwner" }],
  });
  return {
    AccountName,
    AccountPassword,
    engine: "postgres",
    host: world.postgres.host,
    port: world.postgres.port,
    database,
    DBInstanceId: world.instanceId,
    mode,
  };
}

/**
 * The accounts of a PostgreSQL server behind an RDS instance (or a PolarDB
 * for PostgreSQL cluster), kept on the real server. An RDS account is a role that can log in and is not a superuser: a
 * Normal account is `LOGIN INHERIT`; a Super (privileged) account adds
 * `CREATEROLE CREATEDB`, what RDS gives its privileged accounts (it gives
 * no one a true superuser).
 *
 * RDS PostgreSQL on cloud disks grants one privilege per database,
 * `DBOwner`: full rights on the database. Here it is the database's own
 * privileges (CONNECT, CREATE, TEMPORARY) granted to the account, and every
 * privilege on the schemas, tables, sequences and functions the database
 * holds at the time of the grant. An account that owns a database holds
 * DBOwner there too. A database where the account holds only some of the
 * three database privileges is reported as `Custom`.
 *
 * Utility statements (CREATE ROLE, GRANT) take no bind parameters:
 * identifiers are quoted with the driver's escapeIdentifier, and passwords
 * are sent as SCRAM verifiers, never as themselves. Driver errors never leave
 * this file.
 *
 * `postgresAccountStore` builds the store of one product (the error codes it
 * answers with); `rdsPostgresAccounts` is RDS's.
 */
import pg from "pg";
import { CloudApiError } from "../api-error.ts";
import type { LocalRdsInstance } from "./local-rds-instance.ts";
import { type RdsPostgresAccountPrivilege, rdsErrors } from "./rds-account-rules.ts";
import type {
  AccountStoreErrors,
  RdsAccount,
  RdsAccountStore,
  RdsDatabasePrivilege,
} from "./rds-account-store.ts";
import { scramSha256Verifier } from "./scram-sha-256-verifier.ts";

/** What DBOwner is made of at the database level, in the order AccountPrivilegeDetail lists them. */
const DATABASE_PRIVILEGES = ["CONNECT", "CREATE", "TEMPORARY"] as const;
const DUPLICATE_OBJECT = "42710";

/**
 * The roles that are RDS accounts: they log in, are not superusers (the
 * administrator and the server's own), and are not PostgreSQL's `pg_*` roles.
 */
const ACCOUNT_FILTER =
  "rolcanlogin AND NOT rolsuper AND rolname NOT LIKE 'pg\\_%' AND rolname <> $1";

interface AccountRow {
  name: string;
  privileged: boolean;
}

interface DatabaseGrantRow {
  name: string;
  db: string;
  owner: boolean;
  granted: string[] | null;
}

/** One administrator connection per request, on `database` (default: the administrator's). */
async function asAdministrator<T>(
  instance: LocalRdsInstance,
  errors: AccountStoreErrors,
  work: (client: pg.Client) => Promise<T>,
  database?: string,
): Promise<T> {
  const client = new pg.Client({
    host: instance.host,
    port: instance.port,
    user: instance.adminUser,
    password: instance.adminPassword,
    database: database ?? instance.adminDatabase ?? "postgres",
    connectionTimeoutMillis: 10_000,
  });
  // A connection the server drops later must not crash the local cloud.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch {
    await client.end().catch(() => undefined);
    throw errors.internal();
  }
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof CloudApiError) throw error;
    throw errors.internal();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The account (a role RDS shows), or undefined. */
async function findAccount(
  client: pg.Client,
  instance: LocalRdsInstance,
  name: string,
): Promise<AccountRow | undefined> {
  const { rows } = await client.query<AccountRow>(
    `SELECT rolname AS name, rolcreaterole AS privileged FROM pg_roles WHERE ${ACCOUNT_FILTER} AND rolname = $2`,
    [instance.adminUser, name],
  );
  return rows[0];
}

/** The RDS view of one account's rights on one database. */
function databasePrivilege(row: DatabaseGrantRow): RdsDatabasePrivilege {
  const granted = new Set(row.granted ?? []);
  const held = row.owner
    ? [...DATABASE_PRIVILEGES]
    : DATABASE_PRIVILEGES.filter((privilege) => granted.has(privilege));
  return {
    dbName: row.db,
    privilege: held.length === DATABASE_PRIVILEGES.length ? "DBOwner" : "Custom",
    detail: held.join(","),
  };
}

/** Every privilege on what the database holds now, in each schema that is not the server's own. */
async function grantObjectsIn(
  instance: LocalRdsInstance,
  errors: AccountStoreErrors,
  database: string,
  role: string,
): Promise<void> {
  await asAdministrator(
    instance,
    errors,
    async (client) => {
      const { rows } = await client.query<{ name: string }>(
        "SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
      );
      const grantee = client.escapeIdentifier(role);
      for (const { name } of rows) {
        const schema = client.escapeIdentifier(name);
        await client.query(`GRANT ALL ON SCHEMA ${schema} TO ${grantee}`);
        await client.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${schema} TO ${grantee}`);
        await client.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA ${schema} TO ${grantee}`);
        await client.query(`GRANT ALL ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${grantee}`);
      }
    },
    database,
  );
}

/** Throws the product's InvalidDBName.NotFound for the first database the server does not hold. */
async function checkDatabasesExist(
  client: pg.Client,
  errors: AccountStoreErrors,
  wanted: readonly string[],
): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT datname AS name FROM pg_database WHERE datname = ANY($1::text[]) AND NOT datistemplate AND datallowconn",
    [wanted],
  );
  const present = new Set(rows.map((row) => row.name));
  const missing = wanted.find((dbName) => !present.has(dbName));
  if (missing !== undefined) throw errors.databaseNotFound(missing);
}

/** DBOwner on each database: the objects inside first, the database's own privileges last. */
async function grantDatabaseOwner(
  client: pg.Client,
  instance: LocalRdsInstance,
  errors: AccountStoreErrors,
  name: string,
  databases: readonly string[],
): Promise<void> {
  const grantee = client.escapeIdentifier(name);
  for (const dbName of databases) {
    await grantObjectsIn(instance, errors, dbName, name);
    await client.query(
      `GRANT ${DATABASE_PRIVILEGES.join(", ")} ON DATABASE ${client.escapeIdentifier(dbName)} TO ${grantee}`,
    );
  }
}

/** A store answering with `errors`. */
export function postgresAccountStore(options: {
  errors: AccountStoreErrors;
}): RdsAccountStore<RdsPostgresAccountPrivilege> {
  const { errors } = options;
  return {
    async list(instance, accountName) {
      return asAdministrator(instance, errors, async (client) => {
        const { rows: accounts } = await client.query<AccountRow>(
          accountName === undefined
            ? `SELECT rolname AS name, rolcreaterole AS privileged FROM pg_roles WHERE ${ACCOUNT_FILTER} ORDER BY rolname`
            : `SELECT rolname AS name, rolcreaterole AS privileged FROM pg_roles WHERE ${ACCOUNT_FILTER} AND rolname = $2`,
          accountName === undefined ? [instance.adminUser] : [instance.adminUser, accountName],
        );
        if (accounts.length === 0) return [];
        // The databases each account owns or was granted something on, with what it was granted.
        const { rows: grants } = await client.query<DatabaseGrantRow>(
          `SELECT r.rolname AS name, d.datname AS db, d.datdba = r.oid AS owner,
                  ARRAY(SELECT DISTINCT a.privilege_type FROM aclexplode(d.datacl) a
                         WHERE a.grantee = r.oid) AS granted
             FROM pg_roles r CROSS JOIN pg_database d
            WHERE r.rolname = ANY($1::text[]) AND NOT d.datistemplate
              AND (d.datdba = r.oid
                   OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = r.oid))
            ORDER BY d.datname`,
          [accounts.map((account) => account.name)],
        );
        return accounts.map(
          (account): RdsAccount => ({
            name: account.name,
            type: account.privileged ? "Super" : "Normal",
            privileges: grants.filter((row) => row.name === account.name).map(databasePrivilege),
          }),
        );
      });
    },

    async create(instance, input) {
      await asAdministrator(instance, errors, async (client) => {
        const { rows } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [
          input.name,
        ]);
        if (rows.length > 0) throw errors.accountDuplicate(input.name);
        const databases = (input.grants ?? []).map((grant) => grant.dbName);
        await checkDatabasesExist(client, errors, databases);
        const attributes =
          input.type === "Super" ? "LOGIN INHERIT CREATEROLE CREATEDB" : "LOGIN INHERIT";
        try {
          await client.query(
            `CREATE ROLE ${client.escapeIdentifier(input.name)} WITH ${attributes} PASSWORD ${client.escapeLiteral(scramSha256Verifier(input.password))}`,
          );
        } catch (error) {
          // Another request created it between the check and now.
          if ((error as { code?: string }).code === DUPLICATE_OBJECT) {
            throw errors.accountDuplicate(input.name);
          }
          throw error;
        }
        await grantDatabaseOwner(client, instance, errors, input.name, databases);
      });
    },

    /**
     * DBOwner on each database: the objects inside first, the database's own
     * privileges last, so a grant cut short is not yet reported as DBOwner
     * and a caller that checks DescribeAccounts grants it again.
     */
    async grant(instance, name, grants) {
      await asAdministrator(instance, errors, async (client) => {
        const account = await findAccount(client, instance, name);
        if (!account) throw errors.accountNotFound(name);
        if (account.privileged) throw errors.superAccountPrivilege(name);
        const databases = grants.map((grant) => grant.dbName);
        await checkDatabasesExist(client, errors, databases);
        await grantDatabaseOwner(client, instance, errors, name, databases);
      });
    },

    async resetPassword(instance, name, password) {
      await asAdministrator(instance, errors, async (client) => {
        if (!(await findAccount(client, instance, name))) throw errors.accountNotFound(name);
        await client.query(
          `ALTER ROLE ${client.escapeIdentifier(name)} WITH PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`,
        );
      });
    },

    /**
     * An account that owns nothing: its privileges are revoked in every
     * database that records one (DROP OWNED BY, which for a role owning
     * nothing only revokes), then the role is dropped. An account that owns
     * objects is refused, so no table goes with it.
     */
    async delete(instance, name) {
      await asAdministrator(instance, errors, async (client) => {
        const account = await findAccount(client, instance, name);
        if (!account) throw errors.accountNotFound(name);
        // pg_shdepend is shared by every database: one look covers the whole server.
        const { rows: owned } = await client.query(
          "SELECT 1 FROM pg_shdepend s JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname = $1 AND s.deptype = 'o' LIMIT 1",
          [name],
        );
        if (owned.length > 0) throw errors.accountOwnsObjects(name);
        const { rows: databases } = await client.query<{ name: string }>(
          `SELECT DISTINCT d.datname AS name FROM pg_shdepend s
             JOIN pg_roles r ON r.oid = s.refobjid JOIN pg_database d ON d.oid = s.dbid
            WHERE r.rolname = $1 AND d.datallowconn ORDER BY 1`,
          [name],
        );
        const role = client.escapeIdentifier(name);
        for (const { name: database } of databases) {
          await asAdministrator(
            instance,
            errors,
            (inDatabase) => inDatabase.query(`DROP OWNED BY ${role}`),
            database,
          );
        }
        // Privileges on databases themselves are shared objects, recorded with no database.
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE ${role}`);
      });
    },
  };
}

/** RDS's PostgreSQL accounts. */
export const rdsPostgresAccounts: RdsAccountStore<RdsPostgresAccountPrivilege> =
  postgresAccountStore({ errors: rdsErrors });

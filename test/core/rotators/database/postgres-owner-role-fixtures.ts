/**
 * For the owner-role tests on a real PostgreSQL: an application's accounts
 * and owner role made by the administrator as a database owner would make
 * them, its secret (with a master secret), and the server-side facts a
 * test checks: who owns a table, which roles an account is a member of,
 * what its sessions act as.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import type { RunningPostgres } from "../../../support/postgres.ts";
import { createMasterSecret, uniqueSuffix } from "./database-fixtures.ts";
import type { DatabaseRotationSetup } from "./database-rotation-setup.ts";

/** Runs statements as the account (one simple query; the last statement's rows). */
export async function runAs(
  server: RunningPostgres,
  account: string,
  password: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: account,
    password,
    database: server.database,
  });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const result = await client.query(sql);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return (last?.rows ?? []) as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

export const runAsAdmin = (server: RunningPostgres, sql: string) =>
  runAs(server, server.adminUser, server.adminPassword, sql);

/** What the server says about a role: whether it exists and logs in, its memberships, its `role` setting. */
export async function roleFacts(server: RunningPostgres, name: string) {
  const [row] = await runAsAdmin(
    server,
    `SELECT r.rolcanlogin AS login,
            ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                   WHERE m.member = r.oid ORDER BY 1) AS member_of,
            (SELECT c FROM pg_db_role_setting s, unnest(s.setconfig) c
              WHERE s.setrole = r.oid AND s.setdatabase = 0 AND c LIKE 'role=%') AS setting
       FROM pg_roles r WHERE r.rolname = ${pg.escapeLiteral(name)}`,
  );
  return row as { login: boolean; member_of: string[]; setting: string | null } | undefined;
}

/** The owner of a table or sequence in the test database. */
export async function ownerOf(server: RunningPostgres, relation: string): Promise<string> {
  const [row] = await runAsAdmin(
    server,
    `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = ${pg.escapeLiteral(relation)}::regclass`,
  );
  return (row as { owner: string }).owner;
}

export interface OwnerRoleAccounts {
  /** The first account (current in the secret's first version). */
  app: { AccountName: string; AccountPassword: string };
  /** For a pre-created pair, the second account. */
  second?: { AccountName: string; AccountPassword: string };
  /** The owner role's name (it exists only when made beforehand). */
  owner: string;
  /** A schema the owner role owns, where the application creates its objects (made with the role). */
  schema: string;
}

export interface OwnerRoleOptions {
  /** Make the owner role beforehand, give it to the first account and a schema to it (default true). */
  ownerExists?: boolean;
  /** Two pre-created accounts rather than an `_rt` twin made by the rotator. */
  pair?: boolean;
  /** More statements for the administrator to run, e.g. to leave the setup unsafe. */
  extra?: (names: { app: string; owner: string }) => string;
}

/** An application's accounts and owner role, made by the administrator as a database owner would. */
export async function createOwnerRoleAccounts(
  server: RunningPostgres,
  options: OwnerRoleOptions = {},
): Promise<OwnerRoleAccounts> {
  const suffix = uniqueSuffix();
  const password = () => `Init-${randomBytes(12).toString("hex")}`;
  const app = { AccountName: `app_${suffix}`, AccountPassword: password() };
  const owner = `${app.AccountName}_owner`;
  const schema = `s_${suffix}`;
  const second = options.pair
    ? { AccountName: `${app.AccountName}_b`, AccountPassword: password() }
    : undefined;
  const statements = [
    ...[app, ...(second ? [second] : [])].map(
      (account) =>
        `CREATE ROLE ${account.AccountName} LOGIN PASSWORD ${pg.escapeLiteral(account.AccountPassword)}`,
    ),
    ...(options.ownerExists === false
      ? []
      : [
          `CREATE ROLE ${owner} NOLOGIN`,
          `GRANT ${owner} TO ${app.AccountName}`,
          `CREATE SCHEMA ${schema} AUTHORIZATION ${owner}`,
        ]),
    ...(options.extra ? [options.extra({ app: app.AccountName, owner })] : []),
  ];
  await runAsAdmin(server, statements.join("; "));
  return { app, owner, schema, ...(second ? { second } : {}) };
}

/** The secret value of an application in owner-role mode, with its master secret. */
export function ownerRoleValue(
  server: RunningPostgres,
  accounts: OwnerRoleAccounts,
  masterSecret: string,
): DatabaseSecretValue {
  return {
    ...accounts.app,
    engine: "postgres",
    host: server.host,
    port: server.port,
    database: server.database,
    masterSecret,
    ownerRole: accounts.owner,
    ...(accounts.second
      ? { accounts: [accounts.app.AccountName, accounts.second.AccountName] as [string, string] }
      : {}),
  };
}

export interface OwnerRoleApplication extends OwnerRoleAccounts {
  secretName: string;
  value: DatabaseSecretValue;
}

/**
 * An application in owner-role mode (createOwnerRoleAccounts), a master
 * secret of the administrator, and the secret, stored in the local cloud
 * (for a pair, the second account first, so ACSPrevious holds its password).
 */
export async function newOwnerRoleApplication(
  server: RunningPostgres,
  setup: DatabaseRotationSetup,
  options: OwnerRoleOptions = {},
): Promise<OwnerRoleApplication> {
  const accounts = await createOwnerRoleAccounts(server, options);
  const master = await createMasterSecret(
    setup.kms,
    { engine: "postgres", server },
    `master-${uniqueSuffix()}`,
  );
  const value = ownerRoleValue(server, accounts, master);
  const { second } = accounts;
  const secretName = await setup.createSecret(
    "postgres-owner",
    second ? { ...value, ...second } : value,
  );
  if (second) {
    await setup.kms.putSecretValue({
      secretName,
      versionId: `v1-${uniqueSuffix()}`,
      secretData: JSON.stringify(value),
    });
  }
  return { ...accounts, secretName, value };
}

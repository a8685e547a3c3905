/**
 * PostgreSQL's owner-role mode for dual accounts: both accounts of a pair
 * are members of one NOLOGIN role that owns the application's objects, and
 * each account's sessions act as that role (`ALTER ROLE app SET role =
 * app_owner`), so a table or sequence one account creates belongs to the
 * owner role and the other account can alter and drop it after the next
 * rotation.
 *
 * This file reads, in one statement, what the mode depends on, and decides
 * from it what to change, or refuses before anything changes:
 *
 * - an owner role that exists must be safe to act as (no LOGIN, SUPERUSER,
 *   CREATEROLE, REPLICATION or BYPASSRLS) and one of the pair must already
 *   be allowed to act as it: whoever writes a secret's value names the
 *   owner role, and Rotor gives an existing role only to a pair that holds
 *   it (one that does not exist yet is created empty, which gives nobody
 *   anything);
 * - an account whose sessions do not act as the owner role yet must not
 *   own objects, hold privileges on objects the owner role has none on, or
 *   be a member of a role the owner role is not a member of: once its
 *   sessions act as the owner role they would lose those
 *   (docs/rotators-database.md explains how to move them);
 * - no per-database `role` setting of either account may point elsewhere;
 * - the master must be able to create the role, grant it and change both
 *   accounts' settings.
 *
 * Object ownership and privileges are read from pg_shdepend, which records
 * them for every database of the server, so one session sees them all.
 */
import { DatabaseRotationRefusedError } from "./database-errors.ts";

/** The pair and the role both act as. */
export interface OwnerRoleAccounts {
  current: string;
  alternate: string;
  ownerRole: string;
}

/** One account of the pair as the state query reads it. */
export interface OwnerRoleAccountState {
  name: string;
  /** May SET ROLE to the owner role now (directly or through another role). */
  can_set: boolean;
  /** A direct member of the owner role, allowed to SET ROLE to it. */
  member: boolean;
  /** The account's own `role` setting for every database, or null. */
  role_setting: string | null;
  /** Databases where a per-database `role` setting points at another role. */
  other_settings: string[];
  /** Objects the account owns, in any database (default privileges aside). */
  owned: number;
  /** Objects the account holds privileges on that the owner role neither owns nor holds privileges on. */
  granted_alone: number;
  /** Where those objects are (`(server)` for databases themselves and tablespaces). */
  databases: string[];
  /** Roles the account is a member of whose privileges the owner role does not have. */
  memberships: string[];
  /** The owner role is a member of this account: granting it would make a loop. */
  owner_is_member: boolean;
  /** The master may change this account's settings. */
  master_can_alter: boolean;
}

/** What the owner-role mode depends on, read in one statement. */
export interface OwnerRoleState {
  /** PostgreSQL 16 or later: a membership has a SET option. */
  v16: boolean;
  owner_exists: boolean;
  /** The owner role's attributes that make acting as it unsafe. */
  owner_unsafe: string[];
  /** The master may create roles. */
  master_can_create: boolean;
  /** The master may grant the owner role (null when it does not exist). */
  master_can_grant: boolean | null;
  /** The pair's accounts that exist. */
  accounts: OwnerRoleAccountState[];
}

/**
 * The state query: $1 the owner role, $2 and $3 the pair's accounts. It
 * branches on the server's version where PostgreSQL 16 changed the rules
 * (the SET option of a membership, ADMIN OPTION for CREATEROLE holders).
 */
export const OWNER_ROLE_STATE_SQL = `
WITH v AS (SELECT current_setting('server_version_num')::int >= 160000 AS v16),
m AS (SELECT oid, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user),
o AS (SELECT * FROM pg_roles WHERE rolname = $1),
-- Memberships are checked apart; entries on pg_auth_members record grantors.
deps AS (
  SELECT s.*, d.datname FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
   WHERE s.classid <> 'pg_auth_members'::regclass
),
owned AS (
  SELECT * FROM deps WHERE deptype = 'o' AND dbid <> 0 AND classid <> 'pg_default_acl'::regclass
),
granted AS (
  SELECT * FROM deps s WHERE deptype = 'a' AND NOT EXISTS (
    SELECT 1 FROM deps t, o WHERE t.refobjid = o.oid AND t.dbid = s.dbid
       AND t.classid = s.classid AND t.objid = s.objid
       AND (t.objsubid = s.objsubid OR t.deptype = 'o'))
)
SELECT
  (SELECT v16 FROM v) AS v16,
  EXISTS (SELECT 1 FROM o) AS owner_exists,
  COALESCE((SELECT array_remove(ARRAY[
      CASE WHEN rolcanlogin THEN 'LOGIN' END, CASE WHEN rolsuper THEN 'SUPERUSER' END,
      CASE WHEN rolcreaterole THEN 'CREATEROLE' END, CASE WHEN rolreplication THEN 'REPLICATION' END,
      CASE WHEN rolbypassrls THEN 'BYPASSRLS' END], NULL) FROM o), '{}') AS owner_unsafe,
  (SELECT rolsuper OR rolcreaterole FROM m) AS master_can_create,
  (SELECT CASE WHEN m.rolsuper THEN true
               WHEN v.v16 THEN pg_has_role(m.oid, o.oid, 'MEMBER WITH ADMIN OPTION')
               ELSE m.rolcreaterole OR pg_has_role(m.oid, o.oid, 'MEMBER WITH ADMIN OPTION') END
     FROM m, o, v) AS master_can_grant,
  COALESCE((SELECT json_agg(json_build_object(
    'name', a.rolname,
    'can_set', COALESCE((SELECT CASE WHEN v.v16 THEN pg_has_role(a.oid, o.oid, 'SET')
                                      ELSE pg_has_role(a.oid, o.oid, 'MEMBER') END FROM o, v), false),
    -- set_option exists from PostgreSQL 16 on; read through to_jsonb so older servers parse it too.
    'member', EXISTS (SELECT 1 FROM pg_auth_members am, o WHERE am.member = a.oid AND am.roleid = o.oid
                        AND COALESCE((to_jsonb(am) ->> 'set_option')::boolean, true)),
    'role_setting', (SELECT substr(c, 6) FROM pg_db_role_setting s, unnest(s.setconfig) c
                      WHERE s.setrole = a.oid AND s.setdatabase = 0 AND c LIKE 'role=%' LIMIT 1),
    'other_settings', ARRAY(SELECT d.datname FROM pg_db_role_setting s
                              JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) c
                             WHERE s.setrole = a.oid AND c LIKE 'role=%' AND substr(c, 6) <> $1),
    'owned', (SELECT count(*) FROM owned WHERE refobjid = a.oid),
    'granted_alone', (SELECT count(*) FROM granted WHERE refobjid = a.oid),
    'databases', ARRAY(SELECT DISTINCT COALESCE(datname, '(server)') FROM (
                   SELECT datname FROM owned WHERE refobjid = a.oid
                   UNION ALL SELECT datname FROM granted WHERE refobjid = a.oid) x ORDER BY 1),
    'memberships', ARRAY(SELECT g.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
                          WHERE am.member = a.oid AND g.rolname NOT IN ($1, $2, $3)
                            AND NOT COALESCE((SELECT pg_has_role(o.oid, g.oid, 'USAGE') FROM o), false)
                          ORDER BY 1),
    'owner_is_member', COALESCE((SELECT pg_has_role(o.oid, a.oid, 'MEMBER') FROM o), false),
    'master_can_alter', (SELECT m.rolsuper OR (m.rolcreaterole AND NOT a.rolsuper AND
                           (NOT v.v16 OR pg_has_role(m.oid, a.oid, 'MEMBER WITH ADMIN OPTION')))
                           FROM m, v)
  ) ORDER BY a.rolname) FROM pg_roles a WHERE a.rolname IN ($2, $3)), '[]') AS accounts
`;

/** A change the owner-role mode makes, in the order it is made. */
export type OwnerRoleChange =
  /** Creates the owner role and makes `member` one of it, in one transaction. */
  | { kind: "create"; member: string }
  /** Makes the account a member the owner role can act as. */
  | { kind: "grant"; account: string }
  /** Makes the account's sessions act as the owner role. */
  | { kind: "set-role"; account: string };

/**
 * What to change so that both accounts act as the owner role, or a refusal
 * before any change. `alternateWillExist` says that the alternate, missing
 * when the state was read, is created before these changes are made.
 */
export function planOwnerRole(
  state: OwnerRoleState,
  accounts: OwnerRoleAccounts,
  context: { where: string; alternateWillExist: boolean },
): OwnerRoleChange[] {
  const { ownerRole, current, alternate } = accounts;
  const owner = JSON.stringify(ownerRole);
  const refuse = (why: string) =>
    new DatabaseRotationRefusedError(
      `setSecret: owner role ${owner} on ${context.where}: ${why}; nothing was changed (see "Owner role" in docs/rotators-database.md)`,
    );
  const existing = state.accounts;
  const named = (name: string) => existing.find((account) => account.name === name);

  if (state.owner_exists) {
    if (state.owner_unsafe.length > 0) {
      throw refuse(
        `it has ${state.owner_unsafe.join(", ")}: the accounts' sessions would act with those powers; name a NOLOGIN role without them`,
      );
    }
    if (!existing.some((account) => account.can_set)) {
      throw refuse(
        `it exists, and neither ${JSON.stringify(current)} nor ${JSON.stringify(alternate)} may act as it yet: Rotor gives an existing role only to a pair that already holds it; GRANT ${ownerRole} TO ${current}, or name a role that does not exist yet`,
      );
    }
    const looped = existing.filter((account) => account.owner_is_member);
    if (looped.length > 0) {
      throw refuse(
        `it is a member of ${looped.map((account) => JSON.stringify(account.name)).join(" and ")}, so it cannot be granted to it`,
      );
    }
  } else if (!state.master_can_create) {
    throw refuse("it does not exist, and the master may not create roles (CREATEROLE)");
  }

  for (const account of existing) {
    if (account.other_settings.length > 0) {
      throw refuse(
        `account ${JSON.stringify(account.name)} has a role setting for database ${account.other_settings.join(", ")} that overrides it; RESET it there (ALTER ROLE ${account.name} IN DATABASE … RESET role)`,
      );
    }
    if (account.role_setting === ownerRole) continue;
    const losses = [
      account.owned > 0 ? `owns ${account.owned} object(s)` : undefined,
      account.granted_alone > 0
        ? `holds privileges on ${account.granted_alone} object(s) the owner role has none on`
        : undefined,
    ].filter((loss) => loss !== undefined);
    if (losses.length > 0) {
      throw refuse(
        `account ${JSON.stringify(account.name)} ${losses.join(" and ")} (in ${account.databases.join(", ")}), which its sessions would lose once they act as ${owner}; move them to the owner role first`,
      );
    }
    if (account.memberships.length > 0) {
      throw refuse(
        `account ${JSON.stringify(account.name)} is a member of ${account.memberships.join(", ")}, whose privileges its sessions would lose once they act as ${owner}; GRANT ${account.memberships.join(", ")} TO ${ownerRole} first`,
      );
    }
  }

  const changes: OwnerRoleChange[] = [];
  const pair = [alternate, current];
  // Each account is a direct member, even where it could act as the role through the other.
  const needsGrant = (name: string) => !state.owner_exists || !named(name)?.member;
  const needsSetting = (name: string) => named(name)?.role_setting !== ownerRole;
  const present = (name: string) =>
    named(name) !== undefined || (name === alternate && context.alternateWillExist);
  let grantsLeft = pair.filter((name) => present(name) && needsGrant(name));
  if (!state.owner_exists) {
    // The current account is made a member in the same transaction that creates the role, so a
    // crash never leaves an owner role no account of the pair holds.
    changes.push({ kind: "create", member: current });
    grantsLeft = grantsLeft.filter((name) => name !== current);
  } else if (grantsLeft.length > 0 && state.master_can_grant !== true) {
    throw refuse("the master may not grant it (it needs ADMIN OPTION on the role)");
  }
  changes.push(...grantsLeft.map((account): OwnerRoleChange => ({ kind: "grant", account })));
  // The alternate first: the current account's new sessions act as the owner role last.
  for (const account of pair.filter((name) => present(name) && needsSetting(name))) {
    const known = named(account);
    if (known && !known.master_can_alter) {
      throw refuse(
        `the master may not change the settings of ${JSON.stringify(account)} (it needs CREATEROLE and ADMIN OPTION on that role)`,
      );
    }
    changes.push({ kind: "set-role", account });
  }
  return changes;
}

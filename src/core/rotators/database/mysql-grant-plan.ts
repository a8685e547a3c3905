/**
 * The statements that make one account hold exactly what another holds:
 * what only the alternate has is revoked first, then what only the current
 * account has is granted, then the default roles are set. The result is the
 * same set of grants, never a superset: grants revoked from the current
 * account since the last rotation leave the alternate too.
 */
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import {
  type AccountName,
  describeGrant,
  describeRole,
  type GrantStatement,
  grantKey,
  grantStatement,
  type MysqlGrant,
  type RoleName,
  revokeStatement,
  roleSql,
} from "./mysql-grant.ts";
import type { AccountAccess, MysqlFlavour } from "./mysql-grant-reader.ts";

/** One statement of the plan: its purpose names the external call, `what` goes into errors. */
export interface GrantChange extends GrantStatement {
  purpose: string;
  what: string;
}

/**
 * Revokes before grants: a role whose admin option changed is one key out
 * and another in, and its revoke must not undo the new grant. Grants go
 * roles first (a default role must be granted before it is set), proxies
 * last (MariaDB's PROXY … WITH GRANT OPTION also sets the global option).
 */
export function planGrantSync(input: {
  model: AccountAccess;
  twin: AccountAccess;
  alternate: AccountName;
  flavour: MysqlFlavour;
}): GrantChange[] {
  const { model, twin, alternate, flavour } = input;
  const changes: GrantChange[] = [];
  for (const [key, grant] of twin.grants) {
    if (!model.grants.has(key)) {
      changes.push({
        ...revokeStatement(grant, alternate),
        purpose: `revoke${kindName(grant)}`,
        what: describeGrant(grant),
      });
    }
  }
  const missing = [...model.grants].filter(([key]) => !twin.grants.has(key)).map(([, g]) => g);
  const order: MysqlGrant["kind"][] = ["role", "privilege", "proxy"];
  missing.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const grant of missing) {
    changes.push({
      ...grantStatement(grant, alternate),
      purpose: `grant${kindName(grant)}`,
      what: describeGrant(grant),
    });
  }
  const globalGrantOption: MysqlGrant = {
    kind: "privilege",
    privilege: "GRANT OPTION",
    object: {},
  };
  const proxyGivesGrantOption = missing.some((g) => g.kind === "proxy" && g.grantOption);
  if (
    flavour === "mariadb" &&
    proxyGivesGrantOption &&
    !model.grants.has(grantKey(globalGrantOption))
  ) {
    // MariaDB's GRANT PROXY … WITH GRANT OPTION also sets the global grant
    // option; the current account may have had it revoked since.
    changes.push({
      ...revokeStatement(globalGrantOption, alternate),
      purpose: "revokePrivilege",
      what: describeGrant(globalGrantOption),
    });
  }
  if (JSON.stringify(model.defaultRoles) !== JSON.stringify(twin.defaultRoles)) {
    changes.push(defaultRoleChange(model.defaultRoles, alternate, flavour));
  }
  return changes;
}

/**
 * Refuses a default role the account no longer holds: MariaDB keeps the
 * default after REVOKE, but will not set a role that is not granted, so the
 * alternate could not be given the same. Checked before anything changes.
 */
export function assertDefaultRolesGranted(access: AccountAccess, account: AccountName): void {
  const held = new Set(
    [...access.grants.values()]
      .filter((grant) => grant.kind === "role")
      .map((grant) => JSON.stringify([grant.role.name, grant.role.host ?? null])),
  );
  for (const role of access.defaultRoles) {
    if (!held.has(JSON.stringify([role.name, role.host ?? null]))) {
      throw new DatabaseRotationRefusedError(
        `account ${JSON.stringify(account.user)}@${JSON.stringify(account.host)} has default role ${describeRole(role)} but that role is not granted to it (revoked since?); grant it again or set its default role to NONE, then rotate`,
      );
    }
  }
}

function kindName(grant: MysqlGrant): string {
  return grant.kind === "privilege" ? "Privilege" : grant.kind === "role" ? "Role" : "Proxy";
}

/** MariaDB: `SET DEFAULT ROLE r FOR u@h` (one role at most); MySQL 8: `SET DEFAULT ROLE r@h, … TO u@h`. */
function defaultRoleChange(
  roles: RoleName[],
  alternate: AccountName,
  flavour: MysqlFlavour,
): GrantChange {
  const what = `default role ${roles.length === 0 ? "NONE" : roles.map(describeRole).join(", ")}`;
  const account = [alternate.user, alternate.host];
  if (flavour === "mariadb") {
    const [role, ...more] = roles;
    if (more.length > 0) {
      throw new DatabaseRotationRefusedError(
        `MariaDB lists more than one default role for the current account (${what}); refusing to copy it`,
      );
    }
    const name = role === undefined ? { sql: "NONE", values: [] } : roleSql(role);
    return {
      sql: `SET DEFAULT ROLE ${name.sql} FOR ?@?`,
      values: [...name.values, ...account],
      purpose: "setDefaultRole",
      what,
    };
  }
  if (flavour === "mysql8") {
    const names = roles.map(roleSql);
    const list = names.length === 0 ? "NONE" : names.map((name) => name.sql).join(", ");
    return {
      sql: `SET DEFAULT ROLE ${list} TO ?@?`,
      values: [...names.flatMap((name) => name.values), ...account],
      purpose: "setDefaultRole",
      what,
    };
  }
  throw new DatabaseRotationRefusedError(
    `this server has no roles, yet the current account lists ${what}; refusing to copy it`,
  );
}

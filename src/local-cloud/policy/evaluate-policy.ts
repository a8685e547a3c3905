/**
 * Deciding whether a caller may do an action on a resource, the way RAM
 * decides: an explicit Deny in any policy wins; otherwise some Allow must
 * match; otherwise the call is denied (implicitly). A session policy given
 * to AssumeRole can only narrow the role's rights, never widen them.
 */
import type { PermissionPolicy } from "./policy-document.ts";
import { wildcardMatches } from "./wildcard.ts";

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

export function evaluatePolicies(
  policies: readonly PermissionPolicy[],
  action: string,
  resource: string,
): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      const actionMatches = statement.actions.some((pattern) =>
        wildcardMatches(pattern, action, { ignoreCase: true }),
      );
      if (!actionMatches) continue;
      const resourceMatches = statement.resources.some((pattern) =>
        wildcardMatches(pattern, resource, { ignoreCase: false }),
      );
      if (!resourceMatches) continue;
      if (statement.effect === "Deny") return "explicit-deny";
      allowed = true;
    }
  }
  return allowed ? "allow" : "implicit-deny";
}

/** What applies to one caller: its identity's policies and, for a role session, the session policy. */
export interface Permissions {
  policies: readonly PermissionPolicy[];
  sessionPolicy?: PermissionPolicy | undefined;
}

export function isAllowed(permissions: Permissions, action: string, resource: string): boolean {
  if (evaluatePolicies(permissions.policies, action, resource) !== "allow") return false;
  if (permissions.sessionPolicy === undefined) return true;
  return evaluatePolicies([permissions.sessionPolicy], action, resource) === "allow";
}

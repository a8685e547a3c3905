/**
 * Whether a role's trust policy (AssumeRolePolicyDocument) lets someone
 * assume it. A RAM principal of `acs:ram::<account>:root` trusts every
 * identity of that account (each still needs sts:AssumeRole permission);
 * a user or role ARN trusts that one identity; a Service principal such
 * as `fc.aliyuncs.com` trusts that cloud service. Deny wins, as everywhere.
 */
import type { TrustPolicy } from "./policy-document.ts";
import { wildcardMatches } from "./wildcard.ts";

export type Assumer =
  | { kind: "identity"; accountId: string; arn: string }
  | { kind: "service"; service: string };

export function trustAllows(policy: TrustPolicy, assumer: Assumer): boolean {
  let allowed = false;
  for (const statement of policy.statements) {
    const actionMatches = statement.actions.some((pattern) =>
      wildcardMatches(pattern, "sts:AssumeRole", { ignoreCase: true }),
    );
    if (!actionMatches || !principalMatches(statement, assumer)) continue;
    if (statement.effect === "Deny") return false;
    allowed = true;
  }
  return allowed;
}

function principalMatches(statement: TrustPolicy["statements"][number], assumer: Assumer): boolean {
  if (assumer.kind === "service") {
    return statement.servicePrincipals.some((service) =>
      wildcardMatches(service, assumer.service, { ignoreCase: true }),
    );
  }
  const accountRoot = `acs:ram::${assumer.accountId}:root`;
  return statement.ramPrincipals.some(
    (principal) =>
      principal === accountRoot ||
      principal === assumer.accountId ||
      wildcardMatches(principal, assumer.arn, { ignoreCase: false }),
  );
}

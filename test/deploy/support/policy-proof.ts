/**
 * Deploys a functions/ entry point to the local cloud's Function Compute
 * running as a fresh RAM role that holds exactly one policy document, so a
 * test can prove what that policy allows and refuses.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { type RamPolicyDocument, renderRolePolicy } from "../../../src/cli/role-policy-template.ts";
import type { Env } from "../../../src/cloud-api/env.ts";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { type FcHandler, functionModule } from "../../../src/local-cloud/fc/local-function.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

/** How KMS, RDS, FC and the other services refuse an action a policy does not allow. */
export const DENIED = /Forbidden\.NoPermission/;

/**
 * Actions a rotation that goes through untroubled never calls; the engine
 * needs them on its recovery paths (src/core/engine/rotation-engine.ts):
 * ListSecretVersionIds when a pending version id is already taken (a rival
 * or an abandoned rotation), TagResource to record a failure
 * (rotor:last-failure), UntagResource to clear that record after a success.
 */
export const RECOVERY_ONLY: ReadonlySet<string> = new Set([
  "kms:ListSecretVersionIds",
  "kms:TagResource",
  "kms:UntagResource",
]);

export type PolicyDocument = RamPolicyDocument;

/** A template file (templates/<path>) parsed as JSON. */
export async function templateJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(join(REPO_ROOT, "templates", path), "utf8")) as T;
}

/**
 * templates/<function>/policy.json as `rotor policy <function>` renders it
 * for a deployment whose environment is `env` (the instances it names fill
 * in the RDS and ECS resources): the policy an operator creates.
 */
export async function renderedPolicy(fn: string, env: Env = {}): Promise<PolicyDocument> {
  return renderRolePolicy(await templateJson<PolicyDocument>(`${fn}/policy.json`), env);
}

/** Every action a policy allows, as written. */
export function actionsOf(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );
}

/** The policy's actions an untroubled rotation calls: each must be proven needed. */
export function actionsARotationCalls(policy: PolicyDocument): string[] {
  return actionsOf(policy).filter((action) => !RECOVERY_ONLY.has(action));
}

/** The policy with one action taken out (a statement left with none is dropped). */
export function withoutAction(policy: PolicyDocument, action: string): PolicyDocument {
  const statements = policy.Statement.map((statement) => ({
    ...statement,
    Action: (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).filter(
      (each) => each !== action,
    ),
  })).filter((statement) => statement.Action.length > 0);
  return { ...policy, Statement: statements };
}

export interface RoleDeployment {
  /** The functions/ folder to run, e.g. "rotate-generic". */
  entry: string;
  /** The name it is deployed under (several deployments of one entry may coexist). */
  functionName: string;
  policy: PolicyDocument;
  environment?: Record<string, string>;
  async?: { maxRetries?: number; onFailure?: string };
  /** A handler to run instead of the entry's own module (one built with a test's log sink, say). */
  handler?: FcHandler;
}

/** Creates a role trusted by fc.aliyuncs.com with only `policy`, and deploys the function as it. */
export async function deployAsRole(
  cloud: RunningLocalCloud,
  deployment: RoleDeployment,
): Promise<void> {
  const ram = new RamClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: cloud.credentials,
    retry: { attempts: 1 },
  });
  const id = randomUUID().slice(0, 8);
  const roleName = `rotor-fn-${id}`;
  const policyName = `rotor-policy-${id}`;
  const trust = await templateJson<PolicyDocument>("trust-policy.json");
  await ram.createRole({ roleName, assumeRolePolicyDocument: JSON.stringify(trust) });
  // RAM refuses a policy without statements: a role without it is the same grant (none).
  if (deployment.policy.Statement.length > 0) {
    await ram.createPolicy({ policyName, policyDocument: JSON.stringify(deployment.policy) });
    await ram.attachPolicyToRole({ policyName, policyType: "Custom", roleName });
  }
  cloud.fc.deploy({
    name: deployment.functionName,
    role: roleName,
    timeoutSeconds: 60,
    environment: { ROTOR_ENDPOINT: cloud.endpoint, ...deployment.environment },
    async: deployment.async,
    retryDelayMs: () => 10,
    handler:
      deployment.handler ??
      functionModule(join(REPO_ROOT, "functions", deployment.entry, "index.ts")),
  });
}

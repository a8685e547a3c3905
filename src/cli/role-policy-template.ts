/**
 * A function role's RAM policy (templates/<function>/policy.json) made
 * concrete for one deployment. RDS, ECS and Redis/Tair instance ids and
 * PolarDB cluster ids are not known when the templates are written, so a
 * template's Resource may name `${ROTOR_RDS_INSTANCES}`,
 * `${ROTOR_POLARDB_CLUSTERS}`, `${ROTOR_ECS_INSTANCES}` or
 * `${ROTOR_REDIS_INSTANCES}`: the same variables s.yaml hands the function
 * (src/core/contract/deploy-policy.ts), so the role and the function's own
 * check allow the same instances. Each such resource becomes one resource
 * per instance (`*` when the variable is `*`); a statement left with no
 * resource is dropped, so with no instance named the role gets no RDS,
 * PolarDB, Cloud Assistant or Redis/Tair right at all. Unrendered, a
 * placeholder matches no instance: a template used as it is fails closed.
 * `${ROTOR_EVENT_BUS}` names the event bus the function publishes to
 * (@rotor/core's event-bus.ts) the same way: unset, the role gets no EventBridge right.
 *
 * @example
 * renderRolePolicy(template, { ROTOR_RDS_INSTANCES: "rm-a,rm-b" })
 * // "acs:rds:*:*:dbinstance/${ROTOR_RDS_INSTANCES}" →
 * // ["acs:rds:*:*:dbinstance/rm-a", "acs:rds:*:*:dbinstance/rm-b"]
 */

import {
  type Allowed,
  type DeployPolicy,
  deployPolicyFromEnv,
  EVENT_BUS_ENV,
  eventBusFromEnv,
} from "@rotor/core";
import type { Env } from "@rotor/core/cloud-api";
import { ConfigError } from "@rotor/core/cloud-api";

export interface RamPolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

export interface RamPolicyDocument {
  Version: string;
  Statement: RamPolicyStatement[];
}

/** The variables a template may name, and the part of the deploy policy each fills in. */
const PLACEHOLDERS: Readonly<Record<string, (policy: DeployPolicy, env: Env) => Allowed>> = {
  ROTOR_RDS_INSTANCES: (policy) => policy.rdsInstances,
  ROTOR_POLARDB_CLUSTERS: (policy) => policy.polardbClusters,
  ROTOR_ECS_INSTANCES: (policy) => policy.ecsInstances,
  ROTOR_REDIS_INSTANCES: (policy) => policy.redisInstances,
  // One bus or none: `*` is not a bus name, so no role is rendered to publish everywhere.
  [EVENT_BUS_ENV]: (_policy, env) => {
    const bus = eventBusFromEnv(env);
    return { any: false, values: bus === undefined ? [] : [bus] };
  },
};

/** What an RDS, PolarDB, ECS or Redis/Tair id may hold: nothing a RAM resource would read as a wildcard. */
const INSTANCE_ID = /^[A-Za-z0-9-]{1,64}$/;

export function renderRolePolicy(template: RamPolicyDocument, env: Env): RamPolicyDocument {
  const policy = deployPolicyFromEnv(env);
  const statements = template.Statement.map((statement) => {
    const resources = (
      Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]
    ).flatMap((resource) => expand(resource, policy, env));
    return { ...statement, Resource: resources.length === 1 ? resources[0] : resources };
  }).filter(
    (statement): statement is RamPolicyStatement =>
      statement.Resource !== undefined && statement.Resource.length > 0,
  );
  return { ...template, Statement: statements };
}

function expand(resource: string, policy: DeployPolicy, env: Env): string[] {
  const names = [...resource.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? "");
  if (names.length === 0) return [resource];
  const [name, ...more] = names;
  const allowedOf = name === undefined ? undefined : PLACEHOLDERS[name];
  if (!allowedOf || more.length > 0) {
    throw new ConfigError(
      `Policy resource ${JSON.stringify(resource)}: a resource may name one of ${Object.keys(
        PLACEHOLDERS,
      )
        .map((each) => `\${${each}}`)
        .join(", ")}`,
    );
  }
  const allowed = allowedOf(policy, env);
  if (allowed.any) return [resource.replace(`\${${name}}`, "*")];
  for (const id of allowed.values) {
    // A bus name was checked where it was read (event-bus.ts); it may be longer than an id.
    if (name !== EVENT_BUS_ENV && !INSTANCE_ID.test(id)) {
      throw new ConfigError(
        `Environment variable ${name}: ${JSON.stringify(id)} is not an instance id (letters, digits and -)`,
      );
    }
  }
  return allowed.values.map((id) => resource.replace(`\${${name}}`, id));
}

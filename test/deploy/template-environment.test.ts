/**
 * Every rotation function's s.yaml environment (the root s.yaml and the
 * function's own template) allows what its role's policy allows, no more
 * and no less: ROTOR_SECRET_PREFIXES is the prefix of the secrets the role
 * rotates, ROTOR_MASTER_SECRET_PREFIXES the prefixes of the master secrets
 * it may read, ROTOR_RAM_USER_PREFIXES the users whose keys it may change,
 * and the RDS, ECS and Redis/Tair instances and PolarDB clusters, and the
 * event bus it publishes to, come from the same deploy-time variables that
 * `rotor policy` fills the role's resources from. So neither layer
 * lets through what the other was meant to stop.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { deployPolicyFromEnv } from "../../src/core/contract/deploy-policy.ts";
import { actionsOf, type PolicyDocument, templateJson } from "./support/policy-proof.ts";
import { ROTATION_FUNCTIONS, type SYaml } from "./support/s-yaml.ts";

/** The name prefixes a statement's resources grant, for resources of the form `acs:<svc>:*:*:<type>/<prefix>*`. */
function prefixes(policy: PolicyDocument, type: string, matches: (actions: string[]) => boolean) {
  return policy.Statement.filter((statement) =>
    matches(actionsOf({ ...policy, Statement: [statement] })),
  )
    .flatMap((statement) =>
      Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
    )
    .map((resource) => new RegExp(`^acs:[a-z]+:\\*:\\*:${type}/(.*)\\*$`).exec(resource)?.[1])
    .filter((prefix): prefix is string => prefix !== undefined);
}

/** Functions that run in a VPC: the root s.vpc.yaml deploys them, not s.yaml. */
const IN_A_VPC = new Set([
  "rotate-mysql",
  "rotate-postgres",
  "rotate-ecs-password",
  "rotate-ecs-ssh-key",
  "rotate-redis",
]);

/** Each (file, function) pair: the root file that deploys it and the function's own template. */
const deployments = ROTATION_FUNCTIONS.flatMap((fn) => [
  [IN_A_VPC.has(fn) ? "s.vpc.yaml" : "s.yaml", fn],
  [`templates/${fn}/s.yaml`, fn],
]);

describe("each rotation function's s.yaml environment matches its role's policy", () => {
  it.each(deployments)("%s: %s", async (file, fn) => {
    // Prepare
    const document = parse(await readFile(join(REPO_ROOT, file), "utf8")) as SYaml;
    const resource = Object.values(document.resources).find(
      (each) => each.props.functionName === fn,
    );
    const env = resource?.props.environmentVariables ?? {};
    const policy = await templateJson<PolicyDocument>(`${fn}/policy.json`);
    const placeholders = JSON.stringify(policy.Statement.map((statement) => statement.Resource));

    // Assess: the secrets it rotates
    const rotated = prefixes(policy, "secret", (actions) => actions.includes("kms:PutSecretValue"));
    expect(rotated).toHaveLength(1);
    expect(env.ROTOR_SECRET_PREFIXES).toBe(rotated[0]);

    // the master secrets it reads (statements that only read)
    const masters = prefixes(policy, "secret", (actions) =>
      actions.every((action) => action === "kms:GetSecretValue"),
    );
    expect(env.ROTOR_MASTER_SECRET_PREFIXES?.split(",") ?? [], "master prefixes").toEqual(masters);

    // the RAM users whose keys it changes
    const users = prefixes(policy, "user", (actions) => actions.some((a) => a.startsWith("ram:")));
    expect(env.ROTOR_RAM_USER_PREFIXES?.split(",") ?? [], "RAM user prefixes").toEqual(users);

    // the instances: the same deploy-time variable feeds the role and the function
    // (s.vpc.yaml extends s.yaml: a variable may come from there)
    const base = document.extend
      ? (parse(await readFile(join(REPO_ROOT, document.extend), "utf8")) as SYaml)
      : undefined;
    for (const [variable, varName] of [
      ["ROTOR_RDS_INSTANCES", "rdsInstances"],
      ["ROTOR_POLARDB_CLUSTERS", "polardbClusters"],
      ["ROTOR_ECS_INSTANCES", "ecsInstances"],
      ["ROTOR_REDIS_INSTANCES", "redisInstances"],
      ["ROTOR_EVENT_BUS", "eventBus"],
    ] as const) {
      if (placeholders.includes(`\${${variable}}`)) {
        expect(env[variable], variable).toBe(`\${vars.${varName}}`);
        expect(document.vars?.[varName] ?? base?.vars?.[varName], varName).toBe(
          `\${env('${variable}', '')}`,
        );
      } else {
        expect(env[variable], variable).toBeUndefined();
      }
    }

    // and the function reads it all without complaint
    expect(() =>
      deployPolicyFromEnv({
        ...env,
        ROTOR_RDS_INSTANCES: "",
        ROTOR_POLARDB_CLUSTERS: "",
        ROTOR_ECS_INSTANCES: "",
        ROTOR_REDIS_INSTANCES: "",
      }),
    ).not.toThrow();
  });
});

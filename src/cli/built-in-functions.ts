/**
 * Rotor's built-in functions (@rotor/core/functions/<name>, what
 * functions/<name>/index.ts deploys) on a local cloud's Function Compute
 * the way s.yaml deploys them to the real one:
 * the same timeouts, memory and asynchronous invocation configs (rotation
 * functions retry twice, then hand the failure to on-failure), and each
 * function running as its own RAM role, `rotor-<function>`, trusted by
 * fc.aliyuncs.com and holding its template's policy
 * (templates/<function>/policy.json). So a served function can do exactly
 * what a deployed one can: no more, which a test or a demo on the local
 * cloud would otherwise hide.
 *
 * The roles are made through the cloud's RAM API as the root account. With
 * a state folder they outlive a restart: serving again keeps the role,
 * attaches the template's current policy (named after its content:
 * `rotor-<function>-<8 hex digits>`) and detaches an older one. Policies
 * attached by hand stay, so a role can be widened through RAM as on the
 * real cloud.
 *
 * @example
 * const cloud = await startLocalCloud({ stateDir });
 * await serveBuiltInFunctions(cloud, {
 *   environment: { "rotate-mysql": { ROTOR_RDS_INSTANCES: "rm-local01" } },
 * });
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ApiError, RamClient } from "@rotor/core/cloud-api";
import type { FcHandler, LocalFunction, RunningLocalCloud } from "@rotor/local-cloud";
import { readPolicyTemplate } from "./policy-templates.ts";
import { renderRolePolicy } from "./role-policy-template.ts";

/** What s.yaml sets for one function, besides its code, role and environment. */
interface BuiltInFunction {
  name: string;
  timeoutSeconds: number;
  memoryMB: number;
  async: NonNullable<LocalFunction["async"]>;
  /**
   * Loads the function's module from @rotor/core, on its first invocation:
   * a static import() each, so that a bundler or the type checker sees it.
   */
  load: () => Promise<{ handler: unknown }>;
}

/** Every rotation function: two asynchronous retries, then the onFailure destination. */
const ROTATION_ASYNC = { maxRetries: 2, onFailure: "on-failure" };

/** The functions and their settings, as in s.yaml (a test keeps the two the same). */
export const BUILT_IN_FUNCTIONS: readonly BuiltInFunction[] = [
  {
    name: "rotate-generic",
    timeoutSeconds: 120,
    memoryMB: 256,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-generic"),
  },
  {
    name: "rotate-mysql",
    timeoutSeconds: 300,
    memoryMB: 512,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-mysql"),
  },
  {
    name: "rotate-postgres",
    timeoutSeconds: 300,
    memoryMB: 512,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-postgres"),
  },
  {
    name: "rotate-ram-access-key",
    timeoutSeconds: 120,
    memoryMB: 256,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-ram-access-key"),
  },
  {
    name: "rotate-ecs-password",
    timeoutSeconds: 300,
    memoryMB: 512,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-ecs-password"),
  },
  {
    name: "rotate-ecs-ssh-key",
    timeoutSeconds: 300,
    memoryMB: 512,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-ecs-ssh-key"),
  },
  {
    name: "rotate-redis",
    timeoutSeconds: 300,
    memoryMB: 512,
    async: ROTATION_ASYNC,
    load: () => import("@rotor/core/functions/rotate-redis"),
  },
  {
    name: "on-failure",
    timeoutSeconds: 60,
    memoryMB: 256,
    async: { maxRetries: 3 },
    load: () => import("@rotor/core/functions/on-failure"),
  },
  {
    name: "scheduler",
    timeoutSeconds: 900,
    memoryMB: 512,
    async: { maxRetries: 0 },
    load: () => import("@rotor/core/functions/scheduler"),
  },
];

export const BUILT_IN_FUNCTION_NAMES: readonly string[] = BUILT_IN_FUNCTIONS.map((fn) => fn.name);

/** A built-in function's FC handler, loaded from @rotor/core; undefined for another name. */
export async function loadBuiltInHandler(name: string): Promise<FcHandler | undefined> {
  const fn = BUILT_IN_FUNCTIONS.find((each) => each.name === name);
  return fn === undefined ? undefined : handlerOf(fn);
}

async function handlerOf(fn: BuiltInFunction): Promise<FcHandler> {
  const { handler } = await fn.load();
  if (typeof handler !== "function") {
    throw new Error(`@rotor/core/functions/${fn.name} does not export a handler function`);
  }
  return handler as FcHandler;
}

/** s.yaml's default role names: `<ROTOR_ROLE_PREFIX><function>`. */
const ROLE_PREFIX = "rotor-";

export interface BuiltInFunctionsOptions {
  /**
   * Each function's own environment variables (s.yaml's
   * `environmentVariables`), by function name. Every function also gets
   * `ROTOR_ENDPOINT` (the cloud's endpoint) unless its own variables set it.
   */
  environment?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
}

/** A function now served, and the role it runs as. */
export interface ServedFunction {
  name: string;
  roleName: string;
  /** The template's policy attached to the role. */
  policyName: string;
}

/** Deploys every built-in function to `cloud`, each as its own role; see the file comment. */
export async function serveBuiltInFunctions(
  cloud: RunningLocalCloud,
  options: BuiltInFunctionsOptions = {},
): Promise<ServedFunction[]> {
  const ram = new RamClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: cloud.credentials,
  });
  const trustPolicy = await readTemplate("trust-policy.json");
  const served: ServedFunction[] = [];
  for (const fn of BUILT_IN_FUNCTIONS) {
    const roleName = `${ROLE_PREFIX}${fn.name}`;
    const environment = { ROTOR_ENDPOINT: cloud.endpoint, ...options.environment?.[fn.name] };
    const policyName = await grantTemplatePolicy(ram, fn.name, roleName, trustPolicy, environment);
    cloud.fc.deploy({
      name: fn.name,
      handler: { load: () => handlerOf(fn) },
      handlerName: "index.handler",
      timeoutSeconds: fn.timeoutSeconds,
      memoryMB: fn.memoryMB,
      role: roleName,
      environment,
      async: fn.async,
    });
    served.push({ name: fn.name, roleName, policyName });
  }
  return served;
}

/** Makes sure the role exists and holds the template's current policy; returns the policy's name. */
async function grantTemplatePolicy(
  ram: RamClient,
  functionName: string,
  roleName: string,
  trustPolicy: string,
  environment: Readonly<Record<string, string>>,
): Promise<string> {
  // The role allows the instances the function's own environment allows,
  // as `rotor policy` renders the template for a real deployment.
  const template = JSON.parse(await readTemplate(join(functionName, "policy.json")));
  const document = JSON.stringify(renderRolePolicy(template, environment));
  const digest = createHash("sha256").update(document).digest("hex").slice(0, 8);
  const policyName = `${ROLE_PREFIX}${functionName}-${digest}`;
  await ignoring("EntityAlreadyExists.Role", () =>
    ram.createRole({
      roleName,
      assumeRolePolicyDocument: trustPolicy,
      description: `Rotor's ${functionName} function in the local cloud`,
    }),
  );
  // Named after its content: an existing policy of this name is this document.
  await ignoring("EntityAlreadyExists.Policy", () =>
    ram.createPolicy({
      policyName,
      policyDocument: document,
      description: `templates/${functionName}/policy.json`,
    }),
  );
  const earlierTemplate = new RegExp(`^${ROLE_PREFIX}${functionName}-[0-9a-f]{8}$`);
  const attached = await ram.listPoliciesForRole({ roleName });
  for (const policy of attached) {
    if (policy.policyType === "Custom" && policy.policyName !== policyName) {
      if (earlierTemplate.test(policy.policyName)) {
        await ram.detachPolicyFromRole({ roleName, policyName: policy.policyName });
      }
    }
  }
  if (!attached.some((policy) => policy.policyName === policyName)) {
    await ram.attachPolicyToRole({ roleName, policyName });
  }
  return policyName;
}

/** A template file's text, its JSON made compact (RAM keeps documents as sent). */
async function readTemplate(path: string): Promise<string> {
  const text = await readPolicyTemplate(path);
  return JSON.stringify(JSON.parse(text));
}

async function ignoring(code: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ApiError && error.code === code)) throw error;
  }
}

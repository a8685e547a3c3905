/**
 * What every attack test needs besides its servers: the identities a
 * function runs as (the role its template grants, and root, the broadest
 * there is: the code must stop an attack even where RAM would not), the
 * secret name prefixes its template reads and writes, the deployment's
 * policy, and an attacker: a RAM user holding exactly the rights an attack
 * starts from, with a KMS client signing as that user.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { functionModule } from "../../../src/local-cloud/fc/local-function.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";
import {
  deployAsRole,
  type PolicyDocument,
  templateJson,
} from "../../deploy/support/policy-proof.ts";
import { type AllowStatement, accessKeyAllowedOnly } from "../../support/ram-user-key.ts";

/** Who a rotation function runs as in an attack test. */
export type FunctionIdentity = "template role" | "root";
export const FUNCTION_IDENTITIES: readonly FunctionIdentity[] = ["template role", "root"];

/** The deploy-time settings (s.yaml environment) an attack test sets; unset ones are empty. */
export interface DeploySettings {
  ROTOR_MASTER_SECRET_PREFIXES?: string;
  ROTOR_RDS_INSTANCES?: string;
  ROTOR_POLARDB_CLUSTERS?: string;
  ROTOR_ECS_INSTANCES?: string;
  ROTOR_REDIS_INSTANCES?: string;
  ROTOR_RAM_USER_PREFIXES?: string;
}

/**
 * Deploys functions/<entry> as `identity`: a new role holding only
 * templates/<entry>/policy.json, or no role at all (the local FC then hands
 * the function root's keys). Every setting is written, empty when not
 * given: the local FC copies a function's environment into the process,
 * so a setting of an earlier deployment must not linger.
 */
export async function deployAs(
  cloud: RunningLocalCloud,
  input: {
    entry: string;
    identity: FunctionIdentity;
    settings?: DeploySettings;
    /** Default `<entry>-<random>`; the scheduler invokes `rotate-<kind>` by that very name. */
    functionName?: string;
  },
): Promise<string> {
  const functionName = input.functionName ?? `${input.entry}-${randomBytes(4).toString("hex")}`;
  const environment = {
    ROTOR_MASTER_SECRET_PREFIXES: "",
    ROTOR_RDS_INSTANCES: "",
    ROTOR_POLARDB_CLUSTERS: "",
    ROTOR_ECS_INSTANCES: "",
    ROTOR_REDIS_INSTANCES: "",
    ROTOR_RAM_USER_PREFIXES: "",
    ...input.settings,
  };
  if (input.identity === "template role") {
    const policy = await templateJson<PolicyDocument>(`${input.entry}/policy.json`);
    await deployAsRole(cloud, { entry: input.entry, functionName, policy, environment });
    return functionName;
  }
  cloud.fc.deploy({
    name: functionName,
    timeoutSeconds: 60,
    environment: { ROTOR_ENDPOINT: cloud.endpoint, ...environment },
    retryDelayMs: () => 10,
    handler: functionModule(join(REPO_ROOT, "functions", input.entry, "index.ts")),
  });
  return functionName;
}

/**
 * The secret name prefixes a function's template lets it use: `rotated`,
 * the secrets it rotates (where it may PutSecretValue), and `privileged`,
 * the master or privileged secrets it may only read. Read from the template
 * itself, so the attack tests follow the template wherever it moves them.
 */
export async function templatePrefixes(
  entry: string,
): Promise<{ rotated: string; privileged: string | undefined }> {
  const policy = await templateJson<PolicyDocument>(`${entry}/policy.json`);
  const kmsPrefixes = (wanted: (actions: string[]) => boolean) =>
    policy.Statement.filter((statement) =>
      wanted(Array.isArray(statement.Action) ? statement.Action : [statement.Action]),
    )
      .flatMap((statement) =>
        Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
      )
      .map((resource) => /^acs:kms:[^:]*:[^:]*:secret\/(.*)\*$/.exec(resource)?.[1])
      .filter((prefix): prefix is string => prefix !== undefined);
  const rotated = kmsPrefixes((actions) => actions.includes("kms:PutSecretValue"))[0];
  if (rotated === undefined) throw new Error(`templates/${entry}/policy.json rotates no secrets`);
  const privileged = kmsPrefixes(
    (actions) => actions.includes("kms:GetSecretValue") && !actions.includes("kms:PutSecretValue"),
  )[0];
  return { rotated, privileged };
}

/** An attacker: a RAM user allowed exactly `allow`, and KMS as that user. */
export async function attackerWith(
  cloud: RunningLocalCloud,
  allow: AllowStatement,
): Promise<{ kms: KmsClient }> {
  const credentials = await accessKeyAllowedOnly(cloud, "attacker", allow);
  return {
    kms: new KmsClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials,
      retry: { attempts: 1 },
    }),
  };
}

/** A short random part for names. */
export const randomPart = () => randomBytes(4).toString("hex");

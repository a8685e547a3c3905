/**
 * What `rotor local-cloud` serves besides KMS, RAM, STS and FC: the RDS,
 * Redis/Tair and ECS instances and PolarDB clusters it stands in front of,
 * and the environment of each built-in function. They come from a JSON
 * config file (`--config`) and from flags, which add to it:
 * `--rds-instance`, `--polardb-cluster`, `--redis-instance` and
 * `--ecs-instance` (local-cloud-instance-flags.ts) and
 * `--function-env FUNCTION:NAME=VALUE`.
 *
 * The config file may hold passwords; the command warns when others can
 * read it. Errors name the flag or the field at fault, never a password.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Env } from "@rotor/core/cloud-api";
import type {
  LocalEcsInstance,
  LocalPolarDbCluster,
  LocalRdsInstance,
  LocalRedisInstance,
} from "@rotor/local-cloud";
import { z } from "zod";
import { BUILT_IN_FUNCTION_NAMES } from "../built-in-functions.ts";
import { UsageError } from "../parse-flags.ts";
import {
  dropUndefined,
  ecsInstanceFlag,
  INSTANCE_ID,
  POLARDB_CLUSTER_ID,
  polardbClusterFlag,
  rdsInstanceFlag,
  redisInstanceFlag,
  secretFile,
} from "./local-cloud-instance-flags.ts";

export interface LocalCloudSetup {
  rdsInstances: Record<string, LocalRdsInstance>;
  polardbClusters: Record<string, LocalPolarDbCluster>;
  redisInstances: Record<string, LocalRedisInstance>;
  ecsInstances: Record<string, LocalEcsInstance>;
  /** Each built-in function's own variables, by function name. */
  functionEnvironment: Record<string, Record<string, string>>;
  /** Lines to print on stderr, e.g. a config file others can read. */
  warnings: string[];
}

export interface LocalCloudSetupInput {
  configFile?: string | undefined;
  rdsFlags?: readonly string[] | undefined;
  polardbFlags?: readonly string[] | undefined;
  redisFlags?: readonly string[] | undefined;
  ecsFlags?: readonly string[] | undefined;
  functionEnvFlags?: readonly string[] | undefined;
  /** Where `password-env` variables are read. */
  env: Env;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const port = z.number().int().min(1).max(65535);
const rdsInstanceSchema = z
  .object({
    engine: z.enum(["MySQL", "MariaDB", "PostgreSQL"]),
    host: z.string().min(1),
    port,
    adminUser: z.string().min(1),
    adminPassword: z.string().min(1),
    adminDatabase: z.string().min(1).optional(),
  })
  .strict();
const polardbClusterSchema = z
  .object({
    engine: z.enum(["MySQL", "PostgreSQL"]),
    host: z.string().min(1),
    port,
    adminUser: z.string().min(1),
    adminPassword: z.string().min(1),
    adminDatabase: z.string().min(1).optional(),
  })
  .strict();
const redisInstanceSchema = z
  .object({
    host: z.string().min(1),
    port,
    adminUser: z.string().min(1).default("default"),
    adminPassword: z.string().min(1),
    tls: z
      .object({
        ca: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
        servername: z.string().min(1).optional(),
      })
      .strict()
      .refine((tls) => tls.ca === undefined || tls.caFile === undefined, {
        message: "give at most one of ca and caFile",
      })
      .optional(),
  })
  .strict();
const ecsInstanceSchema = z
  .object({
    host: z.string().min(1),
    port,
    hostKeyFingerprint: z.string().regex(/^SHA256:/, "must be SHA256:… as ssh-keygen -l prints it"),
    userName: z.string().min(1),
    password: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (instance) =>
      [instance.password, instance.privateKey, instance.privateKeyFile].filter(
        (each) => each !== undefined,
      ).length === 1,
    { message: "give exactly one of password, privateKey and privateKeyFile" },
  );
const configSchema = z
  .object({
    rdsInstances: z.record(z.string(), rdsInstanceSchema).optional(),
    polardbClusters: z.record(z.string(), polardbClusterSchema).optional(),
    redisInstances: z.record(z.string(), redisInstanceSchema).optional(),
    ecsInstances: z.record(z.string(), ecsInstanceSchema).optional(),
    functions: z
      .record(z.string(), z.object({ environment: z.record(z.string(), z.string()) }).strict())
      .optional(),
  })
  .strict();

/** Reads the config file and the flags into one setup; a UsageError names what is wrong. */
export async function readLocalCloudSetup(input: LocalCloudSetupInput): Promise<LocalCloudSetup> {
  const setup: LocalCloudSetup = {
    rdsInstances: {},
    polardbClusters: {},
    redisInstances: {},
    ecsInstances: {},
    functionEnvironment: {},
    warnings: [],
  };
  if (input.configFile !== undefined) await readConfigFile(input.configFile, setup);
  for (const flag of input.rdsFlags ?? []) {
    const [id, instance] = await rdsInstanceFlag(flag, input.env);
    addInstance(setup.rdsInstances, id, instance, "--rds-instance");
  }
  for (const flag of input.polardbFlags ?? []) {
    const [id, cluster] = await polardbClusterFlag(flag, input.env);
    addInstance(setup.polardbClusters, id, cluster, "--polardb-cluster");
  }
  for (const flag of input.redisFlags ?? []) {
    const [id, instance] = await redisInstanceFlag(flag, input.env);
    addInstance(setup.redisInstances, id, instance, "--redis-instance");
  }
  for (const flag of input.ecsFlags ?? []) {
    const [id, instance] = await ecsInstanceFlag(flag, input.env);
    addInstance(setup.ecsInstances, id, instance, "--ecs-instance");
  }
  for (const flag of input.functionEnvFlags ?? []) {
    const match = /^([^:=]+):([^=]+)=(.*)$/s.exec(flag);
    if (!match) {
      // Not echoed: a value may be a secret (a webhook URL holding a token).
      throw new UsageError(
        "--function-env expects FUNCTION:NAME=VALUE, e.g. rotate-mysql:ROTOR_RDS_INSTANCES=rm-local01",
      );
    }
    setVariable(
      setup,
      match[1] as string,
      match[2] as string,
      match[3] as string,
      "--function-env",
    );
  }
  return setup;
}

async function readConfigFile(path: string, setup: LocalCloudSetup): Promise<void> {
  const where = `--config ${path}`;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `${where}: cannot read the file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Only the position: the parser's message quotes the text around it, which may be a password.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new UsageError(
      `${where}: not valid JSON${position === undefined ? "" : ` (at character ${position})`}`,
    );
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
      return `${issue.path.map(String).join(".") || "(the file)"}: ${issue.message}`;
    });
    throw new UsageError(`${where}: ${problems.join("; ")} (docs/local-cloud.md shows the format)`);
  }
  const config = parsed.data;
  for (const [id, instance] of Object.entries(config.rdsInstances ?? {})) {
    addInstance(setup.rdsInstances, id, dropUndefined(instance), `${where}: rdsInstances`);
  }
  for (const [id, cluster] of Object.entries(config.polardbClusters ?? {})) {
    if (!POLARDB_CLUSTER_ID.test(id)) {
      throw new UsageError(
        `${where}: polardbClusters: ${JSON.stringify(id)} is not a PolarDB cluster id (pc- and lower-case letters and digits)`,
      );
    }
    addInstance(setup.polardbClusters, id, dropUndefined(cluster), `${where}: polardbClusters`);
  }
  for (const [id, entry] of Object.entries(config.redisInstances ?? {})) {
    const { tls, ...instance } = entry;
    const ca =
      tls?.caFile === undefined
        ? tls?.ca
        : await secretFile(
            resolve(dirname(path), tls.caFile),
            `${where}: redisInstances.${id}.tls.caFile`,
          );
    addInstance(
      setup.redisInstances,
      id,
      dropUndefined({
        ...instance,
        tls: tls === undefined ? undefined : dropUndefined({ ca, servername: tls.servername }),
      }),
      `${where}: redisInstances`,
    );
  }
  for (const [id, entry] of Object.entries(config.ecsInstances ?? {})) {
    const { privateKeyFile, ...instance } = entry;
    const privateKey =
      privateKeyFile === undefined
        ? instance.privateKey
        : await secretFile(
            resolve(dirname(path), privateKeyFile),
            `${where}: ecsInstances.${id}.privateKeyFile`,
          );
    addInstance(
      setup.ecsInstances,
      id,
      dropUndefined({ ...instance, privateKey }),
      `${where}: ecsInstances`,
    );
  }
  for (const [name, settings] of Object.entries(config.functions ?? {})) {
    for (const [variable, value] of Object.entries(settings.environment)) {
      setVariable(setup, name, variable, value, `${where}: functions`);
    }
  }
  const holdsSecrets =
    Object.keys(config.rdsInstances ?? {}).length > 0 ||
    Object.keys(config.polardbClusters ?? {}).length > 0 ||
    Object.keys(config.redisInstances ?? {}).length > 0 ||
    Object.values(config.ecsInstances ?? {}).some(
      (instance) => instance.password !== undefined || instance.privateKey !== undefined,
    );
  const mode = (await stat(path)).mode & 0o777;
  if (holdsSecrets && (mode & 0o077) !== 0) {
    setup.warnings.push(
      `warning: ${path} holds passwords and others can read it (mode ${mode.toString(8)}); chmod 600 it`,
    );
  }
}

function addInstance<T>(
  instances: Record<string, T>,
  id: string,
  instance: T,
  where: string,
): void {
  if (!INSTANCE_ID.test(id)) {
    throw new UsageError(
      `${where}: ${JSON.stringify(id)} is not an instance id (letters, digits, ., _ and -)`,
    );
  }
  if (Object.hasOwn(instances, id)) throw new UsageError(`${where}: instance ${id} is given twice`);
  instances[id] = instance;
}

function setVariable(
  setup: LocalCloudSetup,
  functionName: string,
  variable: string,
  value: string,
  where: string,
): void {
  if (!BUILT_IN_FUNCTION_NAMES.includes(functionName)) {
    throw new UsageError(
      `${where}: no built-in function ${JSON.stringify(functionName)} (the functions: ${BUILT_IN_FUNCTION_NAMES.join(", ")})`,
    );
  }
  if (!VARIABLE_NAME.test(variable)) {
    throw new UsageError(
      `${where}: ${JSON.stringify(variable)} is not an environment variable name`,
    );
  }
  if (variable.startsWith("FC_")) {
    throw new UsageError(`${where}: ${variable}: FC reserves the FC_ prefix for its own variables`);
  }
  setup.functionEnvironment[functionName] ??= {};
  (setup.functionEnvironment[functionName] as Record<string, string>)[variable] = value;
}

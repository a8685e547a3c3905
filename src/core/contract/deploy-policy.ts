/**
 * What the person who deploys a function allows it to do, read from the
 * function's environment (s.yaml `environmentVariables`). Only who can
 * change the function can change these; a secret's writer or tagger cannot.
 * Tags may narrow what is set here (a longer password, a shorter lease),
 * never widen it. With nothing set, every default is the safe one.
 *
 * | variable                        | holds                                                    | default            |
 * | ------------------------------- | -------------------------------------------------------- | ------------------ |
 * | `ROTOR_SECRET_PREFIXES`         | name prefixes of the secrets the function rotates        | any (RAM decides)  |
 * | `ROTOR_MASTER_SECRET_PREFIXES`  | name prefixes of master/privileged secrets it may read   | any (RAM decides)  |
 * | `ROTOR_RDS_INSTANCES`           | RDS instance ids it may manage accounts on               | none               |
 * | `ROTOR_POLARDB_CLUSTERS`        | PolarDB cluster ids it may manage accounts on            | none               |
 * | `ROTOR_ECS_INSTANCES`           | ECS instance ids it may run Cloud Assistant commands on  | none               |
 * | `ROTOR_REDIS_INSTANCES`         | ApsaraDB for Redis/Tair instance ids it may manage accounts on | none         |
 * | `ROTOR_RAM_USER_PREFIXES`       | RAM user name prefixes whose AccessKeys it may rotate    | any (STS proves)   |
 * | `ROTOR_WEBHOOK_ORIGINS`         | webhook origins (`https://host[:port]`) it may call      | none               |
 * | `ROTOR_PASSWORD_MIN_LENGTH`     | shortest generated password                              | 20                 |
 * | `ROTOR_PASSWORD_MIN_CLASSES`    | fewest character classes in a generated password         | 3                  |
 * | `ROTOR_MAX_LEASE`               | longest lease a `rotor:lease` tag may ask for            | 1h                 |
 * | `ROTOR_MIN_GRACE_PERIOD`        | shortest grace a `rotor:grace-period` tag may ask for    | 1h                 |
 *
 * Lists are comma-separated; `*` alone allows every value. docs/security.md
 * explains each and how to set it in s.yaml.
 */
import { ConfigError, type Env, readEnv } from "@rotor/cloud-api";

/** A list setting: the values allowed, or "any" when `*` (or, where that is the default, nothing) is set. */
export type Allowed =
  | { readonly any: true }
  | { readonly any: false; readonly values: readonly string[] };

export interface DeployPolicy {
  /** Secrets the function rotates, by name prefix; others are refused before they are read. */
  secretPrefixes: Allowed;
  /** Master and privileged secrets the function may read, by name prefix. */
  masterSecretPrefixes: Allowed;
  /** RDS instances (ids, exact) whose accounts the function may change. */
  rdsInstances: Allowed;
  /** PolarDB clusters (ids, exact) whose accounts the function may change. */
  polardbClusters: Allowed;
  /** ECS instances (ids, exact) the function may run Cloud Assistant commands on. */
  ecsInstances: Allowed;
  /** ApsaraDB for Redis/Tair instances (ids, exact) whose accounts the function may change. */
  redisInstances: Allowed;
  /** RAM users (by name prefix) whose AccessKeys the function may create and delete. */
  ramUserPrefixes: Allowed;
  /** Webhook origins (scheme, host and port, exact) the generic rotator may call. */
  webhookOrigins: Allowed;
  /** The weakest generated password a tag may ask for. */
  passwordFloor: { minLength: number; minClasses: number };
  /** The longest lease a `rotor:lease` tag may ask for, in milliseconds. */
  maxLeaseMs: number;
  /** The shortest grace period a `rotor:grace-period` tag may ask for, in milliseconds. */
  minGraceMs: number;
}

const ANY: Allowed = { any: true };
const NONE: Allowed = { any: false, values: [] };

/** The policy of a function deployed with no Rotor variables set. */
export const DEFAULT_DEPLOY_POLICY: DeployPolicy = {
  secretPrefixes: ANY,
  masterSecretPrefixes: ANY,
  rdsInstances: NONE,
  polardbClusters: NONE,
  ecsInstances: NONE,
  redisInstances: NONE,
  ramUserPrefixes: ANY,
  webhookOrigins: NONE,
  passwordFloor: { minLength: 20, minClasses: 3 },
  maxLeaseMs: 60 * 60 * 1000,
  minGraceMs: 60 * 60 * 1000,
};

/** Reads the policy from the environment; a malformed variable is a ConfigError naming it. */
export function deployPolicyFromEnv(env: Env = process.env): DeployPolicy {
  const d = DEFAULT_DEPLOY_POLICY;
  return {
    secretPrefixes: readAllowed("ROTOR_SECRET_PREFIXES", env) ?? d.secretPrefixes,
    masterSecretPrefixes:
      readAllowed("ROTOR_MASTER_SECRET_PREFIXES", env) ?? d.masterSecretPrefixes,
    rdsInstances: readAllowed("ROTOR_RDS_INSTANCES", env) ?? d.rdsInstances,
    polardbClusters: readAllowed("ROTOR_POLARDB_CLUSTERS", env) ?? d.polardbClusters,
    ecsInstances: readAllowed("ROTOR_ECS_INSTANCES", env) ?? d.ecsInstances,
    redisInstances: readAllowed("ROTOR_REDIS_INSTANCES", env) ?? d.redisInstances,
    ramUserPrefixes: readAllowed("ROTOR_RAM_USER_PREFIXES", env) ?? d.ramUserPrefixes,
    webhookOrigins: readAllowed("ROTOR_WEBHOOK_ORIGINS", env) ?? d.webhookOrigins,
    passwordFloor: {
      minLength: readWhole("ROTOR_PASSWORD_MIN_LENGTH", env, 8, 128) ?? d.passwordFloor.minLength,
      minClasses: readWhole("ROTOR_PASSWORD_MIN_CLASSES", env, 1, 4) ?? d.passwordFloor.minClasses,
    },
    maxLeaseMs: readDuration("ROTOR_MAX_LEASE", env, "1m", "7d") ?? d.maxLeaseMs,
    minGraceMs: readDuration("ROTOR_MIN_GRACE_PERIOD", env, "1s", "30d") ?? d.minGraceMs,
  };
}

/** True when `value` equals one of the allowed values. */
export function allowsExactly(allowed: Allowed, value: string): boolean {
  return allowed.any || allowed.values.includes(value);
}

/** True when `value` starts with one of the allowed prefixes. */
export function allowsPrefix(allowed: Allowed, value: string): boolean {
  return allowed.any || allowed.values.some((prefix) => value.startsWith(prefix));
}

/** How an allowed set reads in an error message, e.g. `none` or `rotor/mysql/, rotor/pg/`. */
export function describeAllowed(allowed: Allowed): string {
  if (allowed.any) return "any";
  return allowed.values.length === 0 ? "none" : allowed.values.join(", ");
}

function readAllowed(name: string, env: Env): Allowed | undefined {
  const text = readEnv(name, env);
  if (text === undefined) return undefined;
  const values = text.split(",").map((entry) => entry.trim());
  if (values.length === 1 && values[0] === "*") return ANY;
  if (values.some((entry) => entry === "" || entry === "*")) {
    throw new ConfigError(
      `Environment variable ${name}: expected a comma-separated list of non-empty values, or * alone for any; got ${JSON.stringify(text)}`,
    );
  }
  return { any: false, values };
}

function readWhole(name: string, env: Env, min: number, max: number): number | undefined {
  const text = readEnv(name, env);
  if (text === undefined) return undefined;
  if (!/^\d{1,3}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(
      `Environment variable ${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

type Duration = `${number}${keyof typeof UNIT_MS}`;

function readDuration(name: string, env: Env, min: Duration, max: Duration): number | undefined {
  const text = readEnv(name, env);
  if (text === undefined) return undefined;
  const ms = durationMs(text);
  if (ms === undefined || ms < (durationMs(min) ?? 0) || ms > (durationMs(max) ?? 0)) {
    throw new ConfigError(
      `Environment variable ${name}: expected a duration from ${min} to ${max} such as "1h" or "30m", got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function durationMs(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/**
 * The rotator contract: what a rotator writes, and what the engine hands it.
 *
 * A rotator holds only target-specific code: how to make a new value from the
 * current one, put it on the target, prove it works there, and (optionally)
 * tidy up before the switch or revoke a leaked value after it. The engine
 * (src/core/engine) owns everything else: KMS stages, the rotation token, the
 * per-secret lock, retries of testSecret, deadlines and the audit log.
 *
 * Every method may be called again after a crash at any point, with the same
 * values: it must give the same result when re-run (apply a password that is
 * already set, delete a key that is already gone, …).
 *
 * @example
 * import { z } from "zod";
 * import { defineRotator, jsonSecretValue } from "@rotor/core";
 *
 * export const apiTokenRotator = defineRotator({
 *   kind: "api-token",
 *   description: "a token held by an HTTP service",
 *   value: jsonSecretValue(z.object({ Token: z.string().min(1) }), '{"Token":"…"}'),
 *   config: z.object({ "service-url": z.url() }),
 *   async createValue(current, ctx) {
 *     const { randomPassword } = await ctx.kms.getRandomPassword({ length: 40 });
 *     return { ...current, Token: randomPassword };
 *   },
 *   async apply({ pending }, ctx) {
 *     await ctx.external("service.setToken", () => setToken(ctx.config["service-url"], pending.Token));
 *   },
 *   async test(value, ctx) {
 *     await ctx.external("service.login", () => login(ctx.config["service-url"], value.Token));
 *   },
 * });
 */

import type { KmsClient } from "@rotor/cloud-api";
import { ValidationError } from "@rotor/cloud-api";
import type { z } from "zod";
import type { DeployPolicy } from "./deploy-policy.ts";
import type { RotatorCloud } from "./rotator-cloud.ts";

/** The four steps of a rotation, in order. */
export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type Step = (typeof STEPS)[number];

/** Structured log lines; fields never carry secret values (the logger redacts known ones anyway). */
export interface RotationLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** One call that leaves the process: a KMS action or a rotator's own call to its target. */
export interface ExternalCall {
  kind: "kms" | "external";
  /** The KMS action, or the name the rotator gave `ctx.external`. */
  name: string;
}

/**
 * Runs before every external call. Tests throw from it to crash a rotation
 * between any two calls (see src/testing/test-rotator.ts).
 */
export type BeforeExternalCall = (call: ExternalCall) => void | Promise<void>;

/** Everything a rotator gets, as one object. */
export interface RotatorContext<Config> {
  secretName: string;
  /** The secret's `rotor:` tags parsed by the rotator's `config` schema. */
  config: Config;
  /** Every tag of the secret, as stored. */
  tags: Readonly<Record<string, string>>;
  /**
   * What the function's deployment allows (targets, privileged secrets,
   * password floor): tags and values may only narrow it. See
   * src/core/contract/deploy-policy.ts.
   */
  policy: DeployPolicy;
  /** KMS, through the engine's client (its calls are counted, retried and fault-injectable). */
  kms: KmsClient;
  /**
   * The other products of the cloud (RDS, PolarDB, R-kvstore, ECS, RAM,
   * STS), called as this invocation's identity, at the deployment's
   * endpoints; each client is built at its first use. See
   * src/core/contract/rotator-cloud.ts.
   */
  cloud: RotatorCloud;
  log: RotationLogger;
  /** Epoch milliseconds by which the current step must be done; check it before long waits. */
  deadline: number;
  /** True when the rotation answers a leak: revoke what leaked instead of keeping it valid. */
  emergency: boolean;
  /** Version ids of the rotation: pending is the rotation's token. */
  versionIds: { current: string; pending: string; previous?: string | undefined };
  /** Reads another secret's value (default its ACSCurrent), e.g. a master account's. Redacted in logs. */
  readSecret(secretName: string, options?: { versionStage?: string }): Promise<string>;
  /**
   * Wraps one call to the rotator's target (a database login, an HTTP
   * request, an SSH command). The engine runs its fault hook first, so a
   * crash can be injected between any two external calls.
   */
  external<T>(name: string, call: () => Promise<T>): Promise<T>;
  /** Marks a string as secret: the logger will never print it. */
  redact(value: string): void;
  /**
   * Runs `hook` when this invocation ends, whether the rotation finished,
   * failed or stopped after one step: for what a step opened ahead for a
   * later one (a connection) and must not outlive the invocation. A hook
   * that fails is logged, never thrown.
   */
  onInvocationEnd(hook: () => void | Promise<void>): void;
  /** The engine's clock, in epoch milliseconds. */
  now(): number;
}

/**
 * What a rotator's `endGrace` did: ended the grace period; or not, with why
 * and, when it is only a matter of time, when it will end.
 */
export type GraceOutcome =
  | { ended: true }
  | { ended: false; reason: string; endsAt?: number | undefined };

/** How a rotator reads and writes its secret's value. */
export interface SecretValueCodec<Value> {
  /**
   * Turns stored data into a value, or throws ValidationError naming the
   * wrong or missing field and the expected shape (never the value itself).
   */
  parse(data: string, secretName: string): Value;
  format(value: Value): string;
  /** The parts of a value that must never appear in a log line. */
  sensitive(value: Value): string[];
}

/** The values of one rotation, parsed. `previous` is absent on a secret's first rotation. */
export interface RotationValues<Value> {
  current: Value;
  pending: Value;
  previous?: Value | undefined;
}

/**
 * A rotator. Methods use method syntax on purpose: a rotator for a specific
 * value type is then usable wherever the registry expects `AnyRotator`.
 */
export interface Rotator<Value, Config> {
  /** The value of the secret's `rotor:rotator` tag that selects this rotator. */
  kind: string;
  description: string;
  value: SecretValueCodec<Value>;
  /**
   * Parses the secret's `rotor:` tags with the prefix removed (`rotor:field`
   * becomes `field`). Unknown keys must be ignored: the scheduler and the
   * engine read their own tags from the same set.
   */
  config: z.ZodType<Config>;
  /**
   * Set to true when apply/finish need the ACSPrevious value (a dual-account
   * rotator resets the previous account): the engine then reads it, one KMS
   * call more.
   */
  usesPrevious?: boolean;
  /**
   * Other secrets whose ACSCurrent this rotation will read through
   * `ctx.readSecret` (a master account's, say). The engine reads them while
   * it stores the pending version, so they cost no round trip of their own;
   * a read that fails fails where the rotator asks for it, as it would
   * have without this. Leave out for none. `policy` is the deployment's:
   * read ahead nothing it does not allow (a privileged secret outside
   * ROTOR_MASTER_SECRET_PREFIXES).
   */
  readsSecrets?(current: Value, policy: DeployPolicy): string[];
  /**
   * createSecret: a new value from the current one. Nothing should be
   * written to the target yet: invocations racing for the rotation each
   * create a value and only one is kept, so a rotator whose target mints
   * the value (a RAM AccessKey) must clean up keys no version names.
   */
  createValue(current: Value, ctx: RotatorContext<Config>): Promise<Value>;
  /** setSecret: puts the pending value on the target; the current value must keep working. */
  apply(values: RotationValues<Value>, ctx: RotatorContext<Config>): Promise<void>;
  /** testSecret (and dry runs): proves a value works on the target, or throws. */
  test(value: Value, ctx: RotatorContext<Config>): Promise<void>;
  /** finishSecret, before the stage switch: idempotent work such as dropping what ACSPrevious will no longer name. */
  finish?(values: RotationValues<Value>, ctx: RotatorContext<Config>): Promise<void>;
  /** finishSecret of an emergency rotation, after the switch: makes the leaked (old current) value useless. */
  revoke?(values: { revoked: Value; current: Value }, ctx: RotatorContext<Config>): Promise<void>;
  /**
   * Outside any rotation, when the previous value's grace period (tag
   * `rotor:grace-period`, see src/core/contract/tags/grace-period.ts) may have run out:
   * if it has, makes the ACSPrevious value unusable on the target (the
   * value stays in KMS); otherwise says why not. Rotators whose previous
   * value must stay usable until the next rotation (dual-account) leave it
   * out. Idempotent, like every method.
   */
  endGrace?(
    values: { previous: Value; current: Value },
    ctx: RotatorContext<Config>,
  ): Promise<GraceOutcome>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds rotators of every value and config type.
export type AnyRotator = Rotator<any, any>;

/** Identity function that lets TypeScript infer a rotator's value and config types. */
export function defineRotator<Value, Config>(
  rotator: Rotator<Value, Config>,
): Rotator<Value, Config> {
  return rotator;
}

/**
 * A codec for JSON secret values checked by a zod schema. `shape` is the
 * expected shape shown in errors, e.g. `{"AccountName":"…","AccountPassword":"…"}`.
 * `sensitiveFields` lists the fields to redact (default: every string field).
 */
export function jsonSecretValue<Value>(
  schema: z.ZodType<Value>,
  shape: string,
  sensitiveFields?: readonly string[],
): SecretValueCodec<Value> {
  return {
    parse(data, secretName) {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ValidationError(
          `The value of secret ${secretName} is not JSON; expected the shape ${shape}`,
        );
      }
      const result = schema.safeParse(json);
      if (!result.success)
        throw new ValidationError(describeIssues(result.error, secretName, shape));
      return result.data;
    },
    format: (value) => JSON.stringify(value),
    sensitive(value) {
      if (typeof value !== "object" || value === null) return [];
      const entries = Object.entries(value as Record<string, unknown>);
      return entries
        .filter(
          ([key, field]) =>
            typeof field === "string" && (!sensitiveFields || sensitiveFields.includes(key)),
        )
        .map(([, field]) => field as string);
    },
  };
}

/** A codec for plain text secret values (the whole value is sensitive). */
export function textSecretValue(): SecretValueCodec<string> {
  return {
    parse(data, secretName) {
      if (data.length === 0)
        throw new ValidationError(`The value of secret ${secretName} is empty`);
      return data;
    },
    format: (value) => value,
    sensitive: (value) => [value],
  };
}

/**
 * One message naming every wrong or missing field and the expected shape.
 * zod's issue messages name types and limits, never the received value.
 */
export function describeIssues(error: z.ZodError, secretName: string, shape: string): string {
  const problems = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(the whole value)";
    return `${field}: ${issue.message}`;
  });
  return `The value of secret ${secretName} has the wrong shape (${problems.join("; ")}); expected ${shape}`;
}

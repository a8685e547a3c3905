/**
 * What every part of the engine shares for the life of a RotationEngine:
 * the store, the cloud clients, the logger, the deployment's policy, the clock and the
 * invocation's deadline. Built once by the engine's constructor and never
 * changed; each part (the protocol, the emergency revoke, the dry run, the
 * grace ending) receives it as its first argument.
 */
import type { SecretValue } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import { DeadlineError } from "../contract/rotation-errors.ts";
import type { RotatorCloud } from "../contract/rotator-cloud.ts";
import type { AnyRotator, BeforeExternalCall, Step } from "../contract/rotator-contract.ts";
import type { JsonLogger } from "./json-logger.ts";
import type { SecretStore } from "./secret-store.ts";

export interface EngineRuntime {
  readonly store: SecretStore;
  /** The product clients rotators get as ctx.cloud, built with the invocation's credentials. */
  readonly cloud: RotatorCloud;
  readonly log: JsonLogger;
  readonly policy: DeployPolicy;
  readonly now: () => number;
  /** Epoch ms by which the invocation must be done. */
  readonly deadline: number;
  /** A step does not start unless this much time is left before the deadline or the lease's end. */
  readonly stepMarginMs: number;
  /** This engine's name in the lease claims it writes (rotation-lock.ts). */
  readonly holder: string;
  readonly beforeExternalCall: BeforeExternalCall | undefined;
  /** Waits between testSecret attempts. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Base delay between testSecret attempts, doubled each time. */
  readonly testRetryDelayMs: number;
}

/** A stored value read through the rotator's codec, its secret parts handed to the logger to scrub first. */
export function parseValue(
  runtime: EngineRuntime,
  rotator: AnyRotator,
  secret: SecretValue,
  secretName: string,
): unknown {
  runtime.log.redact(secret.secretData);
  const value: unknown = rotator.value.parse(secret.secretData, secretName);
  for (const part of rotator.value.sensitive(value)) runtime.log.redact(part);
  return value;
}

/** Refuses to start a step that could not end before the deadline or the lease's end. */
export function checkTime(
  runtime: EngineRuntime,
  step: Step,
  leaseExpiresAt: number | undefined,
): void {
  const { deadline, stepMarginMs } = runtime;
  const limit = Math.min(deadline, leaseExpiresAt ?? Number.POSITIVE_INFINITY);
  if (runtime.now() + stepMarginMs > limit) {
    const which = limit === deadline ? "the invocation's deadline" : "the rotation lease's end";
    throw new DeadlineError(
      `${step} not started: less than ${stepMarginMs} ms left before ${which}; a later invocation resumes the rotation`,
    );
  }
}

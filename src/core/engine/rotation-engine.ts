/**
 * The rotation engine: the four-step protocol (createSecret → setSecret →
 * testSecret → finishSecret) over KMS stages, for any rotator. This file
 * is its entry point; each part reads on its own:
 *
 * - rotation-invocation.ts: what one invocation works on, read once
 *   (the secret's tags, its rotator and config), immutable.
 * - rotation-protocol.ts: the four steps and resuming an abandoned
 *   rotation; rotation-lock.ts says how the lock and the lease work.
 * - emergency-revoke.ts: an emergency's revoke, which survives a crash
 *   (revoke-marker.ts).
 * - dry-run.ts, end-grace-period.ts: the two requests that rotate nothing,
 *   as plain functions beside cancel-rotation.ts (which the CLI runs
 *   without an engine).
 * - secret-store.ts: everything the engine reads and writes in KMS.
 * - failed-step.ts: the step an error left, for the failure record.
 *
 * KMS calls for one full rotation: DescribeSecret (tags), GetSecretValue
 * (current) and ListSecretVersionIds (is a rotation in progress?) at once,
 * the rotator's own (GetRandomPassword for the generic rotator),
 * PutSecretValue (the new value and the lock at once), and three
 * UpdateSecretVersionStage calls. An emergency adds two
 * UpdateSecretVersionStage calls, TagResource and UntagResource (the
 * revoke marker and its label).
 */
import { randomUUID } from "node:crypto";
import {
  ApiError,
  ConfigError,
  type KmsClientOptions,
  PolicyError,
  ValidationError,
} from "@rotor/cloud-api";
import {
  allowsPrefix,
  type DeployPolicy,
  deployPolicyFromEnv,
  describeAllowed,
} from "../contract/deploy-policy.ts";
import { describeError } from "../contract/describe-error.ts";
import { RotationBlockedError, StepRefusedError } from "../contract/rotation-errors.ts";
import { openRotatorCloud, type RotatorCloud } from "../contract/rotator-cloud.ts";
import type { AnyRotator, BeforeExternalCall } from "../contract/rotator-contract.ts";
import type { RotorEventSink } from "../contract/rotor-events.ts";
import { recordKeyFromEnv } from "../contract/tags/rotation-record.ts";
import { dryRun } from "./dry-run.ts";
import { honourRevokeMarker } from "./emergency-revoke.ts";
import { endGracePeriod } from "./end-grace-period.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import { type FailedStep, failedStepOf, inStep } from "./failed-step.ts";
import type { JsonLogger } from "./json-logger.ts";
import { RotationEventTrail } from "./rotation-event-trail.ts";
import { type EndHook, type Invocation, loadInvocation } from "./rotation-invocation.ts";
import { rotateFromCurrent, runStepWithToken } from "./rotation-protocol.ts";
import type { RotationRequest, RotationResult } from "./rotation-request.ts";
import { FAILURE_RECORD_TAGS, SecretStore } from "./secret-store.ts";

export { describeError } from "../contract/describe-error.ts";
export type { RotationOutcome, RotationRequest, RotationResult } from "./rotation-request.ts";

export interface EngineOptions {
  /** Where and as whom KMS is called. */
  kms: KmsClientOptions;
  /**
   * The cloud the rotators get as ctx.cloud (contract/rotator-cloud.ts);
   * default: opened with the KMS client's credentials and the environment's endpoints.
   */
  cloud?: RotatorCloud | undefined;
  rotators: Readonly<Record<string, AnyRotator>>;
  log: JsonLogger;
  /** What the function's deployment allows; default read from the environment. */
  policy?: DeployPolicy | undefined;
  /** Epoch ms by which the invocation must be done (FC's timeout). Default: 15 minutes from now. */
  deadline?: number | undefined;
  /** A step does not start unless this much time is left before the deadline or the lease's end. */
  stepMarginMs?: number | undefined;
  now?: (() => number) | undefined;
  /** Runs before every external call (KMS and the rotator's): tests inject crashes here. */
  beforeExternalCall?: BeforeExternalCall | undefined;
  /** Waits between testSecret attempts (tests pass a fast one). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Base delay between testSecret attempts, doubled each time. Default 1 s. */
  testRetryDelayMs?: number | undefined;
  /** Where the rotation's events go (rotation-event-trail.ts); none: nothing is announced. */
  events?: RotorEventSink | undefined;
  /** Key of the rotation record (scheduler/rotation-record.ts); default from ROTOR_RECORD_KEY, none when unset. */
  recordKey?: Buffer | undefined;
}

/**
 * The engine's entry point: one `rotate` per invocation, which reads the
 * secret (rotation-invocation.ts) and hands it to the part that does what
 * was asked: the protocol (rotation-protocol.ts), a dry run (dry-run.ts)
 * or a grace ending (end-grace-period.ts). Whatever happens, it records a
 * failure on the secret, announces the outcome, and runs the rotator's
 * end hooks.
 */
export class RotationEngine {
  private readonly options: EngineOptions;
  private readonly runtime: EngineRuntime;
  private readonly store: SecretStore;

  constructor(options: EngineOptions) {
    this.options = options;
    const now = options.now ?? Date.now;
    this.store = new SecretStore({
      kms: options.kms,
      beforeExternalCall: options.beforeExternalCall,
      log: options.log,
      recordKey: options.recordKey ?? recordKeyFromEnv(),
    });
    this.runtime = Object.freeze({
      store: this.store,
      cloud:
        options.cloud ??
        openRotatorCloud({ credentials: options.kms.credentials, env: options.kms.env }),
      log: options.log,
      policy: options.policy ?? deployPolicyFromEnv(),
      now,
      deadline: options.deadline ?? now() + 15 * 60 * 1000,
      stepMarginMs: options.stepMarginMs ?? 5000,
      holder: randomUUID(),
      beforeExternalCall: options.beforeExternalCall,
      sleep:
        options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
      testRetryDelayMs: options.testRetryDelayMs ?? 1000,
    });
  }

  /** Runs what the request asks for; throws a RotorError naming what went wrong. */
  async rotate(request: RotationRequest): Promise<RotationResult> {
    // Before the first read: a secret's tags must not get to choose anything here.
    this.checkSecretPrefix(request.secretName);
    const { store, runtime } = this;
    const started = runtime.now();
    store.beginInvocation();
    const trail = new RotationEventTrail({
      sink: this.options.events,
      secretName: request.secretName,
      emergency: request.emergency === true,
      rotates: !request.dryRun && !request.endGracePeriod,
      now: runtime.now,
      startedAt: started,
      requestIds: () => store.requestIdsOfInvocation(),
    });
    // A rotation without a token, and a dry run, start from ACSCurrent: read
    // it while the tags load (two independent reads), saving a round trip.
    const fromCurrent = request.versionId === undefined && !request.endGracePeriod;
    const currentRead = fromCurrent ? store.readCurrentAhead(request.secretName) : undefined;
    // A rotation also needs to know whether one is in progress already (any
    // pending version, see rotation-lock.ts): read beside them too.
    const versionsRead =
      fromCurrent && !request.dryRun ? store.readVersionsAhead(request.secretName) : undefined;
    // What rotators ask to run when this invocation ends (ctx.onInvocationEnd).
    const endHooks: EndHook[] = [];
    // The lease this invocation holds, once it holds one (rotation-lock.ts): given up if it fails.
    let heldLease: string | undefined;
    try {
      const loaded = await loadInvocation(runtime, this.options.rotators, request, trail, endHooks);
      if (request.dryRun) {
        return await inStep("testSecret", () => dryRun(runtime, loaded, currentRead));
      }
      if (request.endGracePeriod) return await endGracePeriod(runtime, loaded);
      const invocation = await this.honourMarker(loaded);
      const result =
        request.versionId !== undefined
          ? await runStepWithToken(runtime, invocation, request)
          : await rotateFromCurrent(
              runtime,
              invocation,
              request.step,
              { current: currentRead, versions: versionsRead },
              (lease) => {
                heldLease = lease;
              },
            );
      const failureRecorded = FAILURE_RECORD_TAGS.some((tag) => loaded.tags[tag] !== undefined);
      if (failureRecorded && result.steps.includes("finishSecret")) {
        await store.clearFailure(request.secretName);
      }
      if (result.steps.includes("finishSecret")) trail.succeeded(result);
      return result;
    } catch (error) {
      // An error from no step came while the secret was read (loadInvocation).
      const step = failedStepOf(error) ?? "load";
      await this.recordFailure(request, step, error, started, heldLease);
      trail.failed(step, error);
      throw error;
    } finally {
      await this.runEndHooks(request.secretName, endHooks);
    }
  }

  /** An emergency's marker left by an earlier invocation is acted on before anything else (emergency-revoke.ts). */
  private async honourMarker(invocation: Invocation): Promise<Invocation> {
    const { revokeMarker } = invocation;
    if (revokeMarker === undefined) return invocation;
    return inStep("finishSecret", () =>
      honourRevokeMarker(this.runtime, { ...invocation, revokeMarker }),
    );
  }

  /** Runs every end hook; one that fails is logged, never thrown over the rotation's outcome. */
  private async runEndHooks(secretName: string, hooks: EndHook[]): Promise<void> {
    const outcomes = await Promise.allSettled(hooks.splice(0).map(async (hook) => hook()));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        this.options.log.warn("invocation-end-hook-failed", {
          secret: secretName,
          error: describeError(outcome.reason),
        });
      }
    }
  }

  /**
   * Refuses a secret outside ROTOR_SECRET_PREFIXES before any KMS call: its
   * tags would otherwise pick the rotator, target and webhook for a secret
   * whoever deployed the function never meant it to rotate.
   */
  private checkSecretPrefix(secretName: string): void {
    const allowed = this.runtime.policy.secretPrefixes;
    if (allowsPrefix(allowed, secretName)) return;
    throw new PolicyError(
      `Secret ${secretName} is outside the prefixes this function rotates (ROTOR_SECRET_PREFIXES: ${describeAllowed(allowed)}); nothing was read`,
    );
  }

  /**
   * Records an operational failure on the secret (tag rotor:last-failure) so
   * `rotor status` shows it; bad input and refusals change nothing, by rule.
   * A holder gives its lease up in the same call (rotation-lock.ts): it
   * stops here, and the next invocation may carry the rotation on at once.
   */
  private async recordFailure(
    request: RotationRequest,
    step: FailedStep,
    error: unknown,
    started: number,
    heldLease: string | undefined,
  ): Promise<void> {
    let lastFailure: string | undefined;
    if (!isRefusal(request, step, error)) {
      const code =
        error instanceof ApiError ? error.code : error instanceof Error ? error.name : "Error";
      lastFailure = `${new Date(started).toISOString()} ${step} ${code}`.slice(0, 256);
    }
    const written = await this.store.recordFailure(request.secretName, {
      lastFailure,
      releasedLease: heldLease,
    });
    if (written && heldLease !== undefined) {
      this.options.log.info("lease-released", {
        secret: request.secretName,
        lease: heldLease,
        step,
        error: describeError(error),
      });
    }
  }
}

/** A failure that is not the secret's: a dry run, bad input, a refusal. Nothing is recorded. */
function isRefusal(request: RotationRequest, step: FailedStep, error: unknown): boolean {
  return (
    request.dryRun === true ||
    // Not a rotation: a failure here leaves ACSCurrent as it was, and FC's retries and onFailure report it.
    request.endGracePeriod === true ||
    error instanceof ValidationError ||
    error instanceof ConfigError ||
    error instanceof RotationBlockedError ||
    error instanceof StepRefusedError ||
    (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound" && step === "load")
  );
}

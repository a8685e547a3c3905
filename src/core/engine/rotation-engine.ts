/**
 * The rotation engine: the four-step protocol (createSecret → setSecret →
 * testSecret → finishSecret) over KMS stages, for any rotator.
 *
 * - The token is the new version's VersionId. The new value waits under the
 *   pending stage until it is proven on the target; finishSecret sets
 *   ACSPrevious on the old current version, moves ACSCurrent, then removes
 *   the pending stage: one ACSCurrent, one ACSPrevious, no pending.
 * - Every invocation starts from the stages in KMS: a token that is already
 *   current means nothing to do, a token that is not pending is refused. A
 *   step run again gives the same result. A full invocation reads KMS once
 *   at its start and then knows the stages from its own writes, which the
 *   lease makes safe: nobody else writes stages while it holds the rotation.
 * - The lock and the resumption of interrupted rotations are described in
 *   rotation-lock.ts.
 * - An emergency's revoke survives a crash: the intent is a tag written
 *   before anything changes and honoured by whichever invocation comes
 *   next (revoke-marker.ts).
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
  KmsClient,
  type KmsClientOptions,
  PolicyError,
  RotorError,
  type SecretValue,
  ValidationError,
  type VersionSummary,
} from "@rotor/cloud-api";
import {
  allowsPrefix,
  type DeployPolicy,
  deployPolicyFromEnv,
  describeAllowed,
} from "../contract/deploy-policy.ts";
import {
  DeadlineError,
  RotationBlockedError,
  RotationInProgressError,
  StepRefusedError,
  TestFailedError,
} from "../contract/rotation-errors.ts";
import type {
  AnyRotator,
  BeforeExternalCall,
  RotationValues,
  RotatorContext,
  Step,
} from "../contract/rotator-contract.ts";
import type { RotorEventSink } from "../contract/rotor-events.ts";
import { formatDuration } from "../contract/schedule/duration.ts";
import { ACS_CURRENT, ACS_PREVIOUS, LEASE_STAGE, REVOKE_STAGE } from "../contract/stages.ts";
import {
  type EngineConfig,
  engineConfigFromTags,
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  LEASE_TAG,
  REVOKE_PENDING_TAG,
  ROTATOR_TAG,
  rotorTags,
} from "../contract/tags/engine-tags.ts";
import { GRACE_ENDED_TAG } from "../contract/tags/grace-period.ts";
import { OUTCOME_TAGS } from "../contract/tags/outcome-tags.ts";
import {
  RECORD_CLOCK_SKEW_MS,
  ROTATED_TAG,
  recordKeyFromEnv,
  recordValue,
  versionDigest,
} from "../contract/tags/rotation-record.ts";
import { notDueReason } from "./due-confirmation.ts";
import type { JsonLogger } from "./json-logger.ts";
import { revokeMarkerState } from "./revoke-marker.ts";
import { RotationEventTrail } from "./rotation-event-trail.ts";
import {
  isRotorPendingId,
  type LeaseClaimData,
  leaseClaimId,
  leaseOf,
  leaseRunning,
  nextPendingAttempt,
  pendingVersionId,
} from "./rotation-lock.ts";
import { removePendingStage, switchToPending } from "./stage-switch.ts";

/** Tags that say a rotation failed; a later successful rotation removes them all. */
const FAILURE_RECORD_TAGS = [
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  OUTCOME_TAGS.status,
  OUTCOME_TAGS.lastError,
  OUTCOME_TAGS.lastAttempt,
] as const;

export interface RotationRequest {
  secretName: string;
  /** Run only this step (orchestrated rotation); absent: all four. */
  step?: Step | undefined;
  /** The rotation's token; required for setSecret, testSecret and finishSecret. */
  versionId?: string | undefined;
  emergency?: boolean | undefined;
  /** Test the current value only; change nothing. */
  dryRun?: boolean | undefined;
  /** End the ACSPrevious value's grace period if it has run out (see grace-period.ts); no rotation. */
  endGracePeriod?: boolean | undefined;
  /** Rotate only if the versions say the secret is due (the scheduler's request; due-confirmation.ts). */
  ifDue?: boolean | undefined;
}

export type RotationOutcome =
  /** All four steps ran: the new version is ACSCurrent. */
  | "rotated"
  /** The one requested step ran. */
  | "step-done"
  /** The token is already ACSCurrent (or another invocation just finished a rotation). */
  | "already-current"
  | "dry-run-passed"
  /** EndGracePeriod: the ACSPrevious value was made unusable on the target. */
  | "grace-ended"
  /** EndGracePeriod: the grace period has not run out yet; nothing changed. */
  | "grace-running"
  /** EndGracePeriod: no ACSPrevious value, no grace to end, or already ended. */
  | "nothing-to-end"
  /** IfDue: the versions say the secret is not due; nothing changed. */
  | "not-due";

export interface RotationResult {
  secretName: string;
  /** The rotation's token (for a dry run, the ACSCurrent version tested). */
  versionId: string;
  outcome: RotationOutcome;
  /** Steps that ran in this invocation, in order. */
  steps: Step[];
  /** True when this invocation carried on a rotation another one left unfinished. */
  resumed: boolean;
}

export interface EngineOptions {
  /** Where and as whom KMS is called. */
  kms: KmsClientOptions;
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

/** What one invocation knows about the rotation it works on. */
interface Rotation {
  secretName: string;
  rotator: AnyRotator;
  config: unknown;
  engineConfig: EngineConfig;
  tags: Record<string, string>;
  emergency: boolean;
  /** The revoke marker's value in KMS as this invocation knows it (the leaked version id). */
  revokeMarker: string | undefined;
  current: SecretValue;
  currentValue: unknown;
  pendingId: string;
  pendingValue: unknown;
  /** Stages of the old ACSCurrent version as last seen. */
  currentStages: string[];
  /** Set when this invocation holds the lease (full mode): steps must end before it runs out. */
  leaseExpiresAt?: number | undefined;
  /** The claim version this invocation put when it took the rotation over. */
  claimId?: string | undefined;
  /** Other secrets' ACSCurrent, read ahead for the rotator (see Rotator.readsSecrets). */
  readAhead?: ReadonlyMap<string, Promise<SecretValue>> | undefined;
  /** Run when the invocation ends (RotatorContext.onInvocationEnd). */
  endHooks: EndHook[];
  /** What the invocation announces. */
  trail: RotationEventTrail;
}

/** Work a rotator asked to run when the invocation ends, such as closing a connection. */
type EndHook = () => void | Promise<void>;

/** What load() finds: the secret, its rotator and settings, and what the invocation is to do. */
type Setup = Awaited<ReturnType<RotationEngine["load"]>>;

export class RotationEngine {
  private readonly kms: KmsClient;
  private readonly options: EngineOptions;
  private readonly now: () => number;
  private readonly deadline: number;
  private readonly policy: DeployPolicy;
  private readonly recordKey: Buffer | undefined;
  private readonly holder = randomUUID();
  /** Request ids of the KMS calls made since the last audit line. */
  private requestIds: string[] = [];
  /** Request ids of the KMS calls made since rotate() was called, for its events. */
  private invocationRequestIds: string[] = [];

  constructor(options: EngineOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.deadline = options.deadline ?? this.now() + 15 * 60 * 1000;
    this.policy = options.policy ?? deployPolicyFromEnv();
    this.recordKey = options.recordKey ?? recordKeyFromEnv();
    const outer = options.kms.observer;
    this.kms = new KmsClient({
      ...options.kms,
      observer: {
        before: async (call) => {
          await options.beforeExternalCall?.({ kind: "kms", name: call.action });
          await outer?.before?.(call);
        },
        after: (call, outcome) => {
          if (outcome.requestId) {
            this.requestIds.push(outcome.requestId);
            this.invocationRequestIds.push(outcome.requestId);
          }
          outer?.after?.(call, outcome);
        },
      },
    });
  }

  /** Runs what the request asks for; throws a RotorError naming what went wrong. */
  async rotate(request: RotationRequest): Promise<RotationResult> {
    // Before the first read: a secret's tags must not get to choose anything here.
    this.checkSecretPrefix(request.secretName);
    const started = this.now();
    let failedStep: Step | "load" = "load";
    this.invocationRequestIds = [];
    const trail = new RotationEventTrail({
      sink: this.options.events,
      secretName: request.secretName,
      emergency: request.emergency === true,
      rotates: !request.dryRun && !request.endGracePeriod,
      now: this.now,
      startedAt: started,
      requestIds: () => [...this.invocationRequestIds],
    });
    // A rotation without a token, and a dry run, start from ACSCurrent: read
    // it while the tags load (two independent reads), saving a round trip.
    const fromCurrent = request.versionId === undefined && !request.endGracePeriod;
    const currentRead = fromCurrent ? this.readCurrentEarly(request.secretName) : undefined;
    // A rotation also needs to know whether one is in progress already (any
    // pending version, see rotation-lock.ts): read beside them too.
    const versionsRead =
      fromCurrent && !request.dryRun ? this.readVersionsEarly(request.secretName) : undefined;
    // What rotators ask to run when this invocation ends (ctx.onInvocationEnd).
    const endHooks: EndHook[] = [];
    // The lease this invocation holds, once it holds one (rotation-lock.ts): given up if it fails.
    let heldLease: string | undefined;
    try {
      const setup = await this.load(request, endHooks, trail);
      if (request.dryRun) {
        failedStep = "testSecret";
        return await this.dryRun(setup, currentRead);
      }
      if (request.endGracePeriod) return await this.endGracePeriod(setup);
      if (setup.revokeMarker !== undefined) {
        failedStep = "finishSecret";
        await this.honourRevokeMarker(setup);
        failedStep = "load";
      }
      const onStep = (step: Step) => {
        failedStep = step;
      };
      const result =
        request.versionId !== undefined
          ? await this.stepWithToken(setup, request, onStep)
          : await this.fromCurrent(
              setup,
              request.step,
              onStep,
              currentRead,
              versionsRead,
              (lease) => {
                heldLease = lease;
              },
            );
      const failureRecorded = FAILURE_RECORD_TAGS.some((tag) => setup.tags[tag] !== undefined);
      if (failureRecorded && result.steps.includes("finishSecret")) {
        await this.clearFailure(request.secretName);
      }
      if (result.steps.includes("finishSecret")) trail.succeeded(result);
      return result;
    } catch (error) {
      await this.recordFailure(request, failedStep, error, started, heldLease);
      trail.failed(failedStep, error);
      throw error;
    } finally {
      await this.runEndHooks(request.secretName, endHooks);
    }
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

  // ---- loading and validation ------------------------------------------------

  /**
   * Refuses a secret outside ROTOR_SECRET_PREFIXES before any KMS call: its
   * tags would otherwise pick the rotator, target and webhook for a secret
   * whoever deployed the function never meant it to rotate.
   */
  private checkSecretPrefix(secretName: string): void {
    const allowed = this.policy.secretPrefixes;
    if (allowsPrefix(allowed, secretName)) return;
    throw new PolicyError(
      `Secret ${secretName} is outside the prefixes this function rotates (ROTOR_SECRET_PREFIXES: ${describeAllowed(allowed)}); nothing was read`,
    );
  }

  /**
   * ACSCurrent, read ahead. Its failure surfaces where it is awaited; until
   * then (or if loading fails first and it never is) it must not count as
   * an unhandled rejection.
   */
  private readCurrentEarly(secretName: string): Promise<SecretValue> {
    const read = this.kms.getSecretValue({ secretName, versionStage: ACS_CURRENT });
    read.catch(() => undefined);
    return read;
  }

  /** Every version with its stages and creation time, lease claims included; read ahead like ACSCurrent. */
  private readVersionsEarly(secretName: string): Promise<VersionSummary[]> {
    const read = this.kms
      .listSecretVersionIds({ secretName, includeDeprecated: true })
      .then((answer) => answer.versions);
    read.catch(() => undefined);
    return read;
  }

  /**
   * The secrets the rotator says it will read, read now so the reads overlap
   * createSecret's own calls. Like readCurrentEarly, a failed read surfaces
   * where the rotator awaits it, and nowhere if it never does.
   */
  private readAhead(rotator: AnyRotator, currentValue: unknown) {
    const reads = new Map<string, Promise<SecretValue>>();
    for (const secretName of rotator.readsSecrets?.(currentValue, this.policy) ?? []) {
      if (!reads.has(secretName)) reads.set(secretName, this.readCurrentEarly(secretName));
    }
    return reads;
  }

  private async load(request: RotationRequest, endHooks: EndHook[], trail: RotationEventTrail) {
    const { secretName } = request;
    const description = await this.kms.describeSecret({ secretName, fetchTags: true });
    if (description.secretType !== "Generic") {
      throw new ValidationError(
        `Secret ${secretName} is a ${description.secretType} secret, which KMS rotates itself; Rotor rotates Generic secrets`,
      );
    }
    const tags = Object.fromEntries(description.tags.map((tag) => [tag.key, tag.value]));
    const kind = tags[ROTATOR_TAG];
    const known = Object.keys(this.options.rotators).join(", ");
    if (kind === undefined) {
      throw new ValidationError(
        `Secret ${secretName} has no ${ROTATOR_TAG} tag; set it to the rotator kind (one of: ${known})`,
      );
    }
    const rotator = this.options.rotators[kind];
    if (!rotator) {
      throw new ValidationError(
        `Tag ${ROTATOR_TAG} of secret ${secretName}: unknown rotator ${JSON.stringify(kind)} (known: ${known})`,
      );
    }
    trail.rotator = rotator.kind;
    const engineConfig = engineConfigFromTags(tags, this.policy);
    if (engineConfig.leaseCapped) {
      this.options.log.warn("lease-capped", {
        secret: secretName,
        tag: LEASE_TAG,
        asked: tags[LEASE_TAG],
        maxLease: formatDuration(this.policy.maxLeaseMs),
      });
    }
    const parsed = rotator.config.safeParse(rotorTags(tags));
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `tag rotor:${issue.path.map(String).join(".") || "(all)"}: ${issue.message}`,
      );
      throw new ValidationError(`Secret ${secretName}: ${problems.join("; ")}`);
    }
    return {
      secretName,
      rotator,
      config: parsed.data,
      engineConfig,
      tags,
      emergency: request.emergency === true,
      ifDue: request.ifDue === true,
      revokeMarker: tags[REVOKE_PENDING_TAG],
      endHooks,
      trail,
    };
  }

  // ---- the revoke marker (see revoke-marker.ts) --------------------------------

  /**
   * Acts on an emergency's recorded intent before anything else: revokes a
   * leaked value whose rotation switched but did not revoke, or makes this
   * invocation an emergency while the leaked value is still current.
   */
  private async honourRevokeMarker(setup: Setup): Promise<void> {
    const { secretName, rotator, engineConfig } = setup;
    const leakedId = setup.revokeMarker as string;
    const { versions } = await this.kms.listSecretVersionIds({ secretName });
    const state = revokeMarkerState(leakedId, versions, engineConfig.pendingStage);
    if (state.kind === "leaked-still-current") {
      setup.emergency = true;
      setup.trail.emergency = true;
      return;
    }
    if (state.kind === "rotation-pending") {
      this.options.log.warn("revoke-left-to-pending-rotation", {
        secret: secretName,
        leakedVersionId: leakedId,
        pendingVersionId: state.pendingId,
      });
      return;
    }
    if (state.kind === "stale" || state.kind === "unproven") {
      this.options.log.warn("revoke-marker-dropped", {
        secret: secretName,
        leakedVersionId: leakedId,
        reason:
          state.kind === "stale"
            ? "a later rotation already replaced the leaked version"
            : `the version it names carries no ${REVOKE_STAGE} label, so Rotor did not write it`,
      });
      await this.removeRevokeMarker(secretName, state.kind === "stale" && state.labelled);
      setup.revokeMarker = undefined;
      return;
    }
    await this.auditStep(secretName, "finishSecret", state.currentId, {}, async () => {
      const leaked = await this.kms.getSecretValue({ secretName, versionId: state.leakedId });
      const current = await this.kms.getSecretValue({ secretName, versionId: state.currentId });
      const revoked: unknown = this.parseValue(rotator, leaked, secretName);
      const currentValue: unknown = this.parseValue(rotator, current, secretName);
      const ctx = this.context(
        { ...setup, emergency: true },
        { current: state.currentId, pending: state.currentId, previous: state.leakedId },
      );
      this.options.log.info("revoke-resumed", {
        secret: secretName,
        leakedVersionId: state.leakedId,
        currentVersionId: state.currentId,
      });
      await rotator.revoke?.({ revoked, current: currentValue }, ctx);
      await this.removeRevokeMarker(secretName, state.leakedId);
      setup.trail.emergencyRevoked(state.leakedId, state.currentId, true);
    });
    setup.revokeMarker = undefined;
  }

  /**
   * An emergency's first writes, before anything changes: the RotorRevoke
   * label on the version whose value leaked (the ACSCurrent it read), then
   * the tag naming it. The label is the proof (see revoke-marker.ts); the
   * tag lets later invocations find it without listing versions. The tag
   * holds one version: an older marker it replaces names a version a
   * pending rotation replaces.
   */
  private async recordLeak(setup: Setup, current: SecretValue): Promise<void> {
    if (!setup.emergency) return;
    const labelled = current.versionStages.includes(REVOKE_STAGE);
    if (labelled && setup.revokeMarker === current.versionId) return;
    if (!labelled) {
      await this.kms.updateSecretVersionStage({
        secretName: setup.secretName,
        versionStage: REVOKE_STAGE,
        moveToVersion: current.versionId,
      });
    }
    if (setup.revokeMarker !== current.versionId) {
      await this.kms.tagResource({
        secretName: setup.secretName,
        tags: [{ key: REVOKE_PENDING_TAG, value: current.versionId }],
      });
    }
    setup.revokeMarker = current.versionId;
  }

  /**
   * A ACSCurrent version Rotor labelled as leaked makes the invocation an
   * emergency even when the tag is gone (removed by hand, or a crash came
   * between the label and the tag): the label alone is Rotor's record.
   */
  private honourRevokeLabel(setup: Setup, current: SecretValue): void {
    if (!current.versionStages.includes(REVOKE_STAGE)) return;
    setup.emergency = true;
    setup.trail.emergency = true;
  }

  /**
   * The label comes off first: a tag left alone by a crash names a version
   * without it, which the next invocation drops as unproven.
   *
   * @param labelled the version carrying the RotorRevoke label, or false when none does.
   */
  private async removeRevokeMarker(secretName: string, labelled: string | false): Promise<void> {
    if (labelled !== false) {
      // A rival may have removed it already (InvalidParameter): nothing left to do then.
      await removePendingStage(this.kms, secretName, labelled, [REVOKE_STAGE], REVOKE_STAGE);
    }
    await this.kms.untagResource({ secretName, tagKeys: [REVOKE_PENDING_TAG] });
  }

  private parseValue(rotator: AnyRotator, secret: SecretValue, secretName: string): unknown {
    this.options.log.redact(secret.secretData);
    const value: unknown = rotator.value.parse(secret.secretData, secretName);
    for (const part of rotator.value.sensitive(value)) this.options.log.redact(part);
    return value;
  }

  // ---- the three ways in ------------------------------------------------------

  private async dryRun(
    setup: Setup,
    currentRead: Promise<SecretValue> | undefined,
  ): Promise<RotationResult> {
    const { secretName, rotator } = setup;
    const current = await (currentRead ??
      this.kms.getSecretValue({ secretName, versionStage: ACS_CURRENT }));
    return this.auditStep(
      secretName,
      "testSecret",
      current.versionId,
      { dryRun: true },
      async () => {
        const value = this.parseValue(rotator, current, secretName);
        const ctx = this.context(setup, {
          current: current.versionId,
          pending: current.versionId,
        });
        await rotator.test(value, ctx);
        return {
          secretName,
          versionId: current.versionId,
          outcome: "dry-run-passed" as const,
          steps: ["testSecret" as const],
          resumed: false,
        };
      },
    );
  }

  /**
   * Ends the ACSPrevious value's grace period through the rotator, outside
   * any rotation and without the rotation lock: it touches only the
   * previous value, which no rotation makes current again, and the
   * rotator's work is idempotent. Recorded in `rotor:grace-ended` so the
   * scheduler asks once per previous version.
   */
  private async endGracePeriod(setup: Setup): Promise<RotationResult> {
    const { secretName, rotator } = setup;
    const { versions } = await this.kms.listSecretVersionIds({ secretName });
    const staged = (stage: string) =>
      versions.find((version) => version.versionStages.includes(stage))?.versionId;
    const currentId = staged(ACS_CURRENT);
    const previousId = staged(ACS_PREVIOUS);
    const finish = (outcome: RotationOutcome, reason?: string): RotationResult => {
      this.options.log.info("grace-period", {
        secret: secretName,
        previousVersionId: previousId,
        outcome,
        ...(reason ? { reason } : {}),
        requestIds: this.requestIds,
      });
      this.requestIds = [];
      return { secretName, versionId: previousId ?? "", outcome, steps: [], resumed: false };
    };
    if (!rotator.endGrace) {
      return finish("nothing-to-end", `the ${rotator.kind} rotator keeps no grace period`);
    }
    if (currentId === undefined || previousId === undefined || previousId === currentId) {
      return finish("nothing-to-end", "the secret has no ACSPrevious version");
    }
    if (setup.tags[GRACE_ENDED_TAG] === previousId) {
      return finish("nothing-to-end", "its grace period was already ended");
    }
    // Whatever the tag says: a tagger may not cut the grace period below the deployment's floor.
    const rotatedAt = Date.parse(
      versions.find((version) => version.versionId === currentId)?.createTime ?? "",
    );
    if (!(this.now() >= rotatedAt + this.policy.minGraceMs)) {
      return finish(
        "grace-running",
        `a grace period may not end sooner than ROTOR_MIN_GRACE_PERIOD (${formatDuration(this.policy.minGraceMs)}) after the rotation`,
      );
    }
    const [current, previous] = await Promise.all([
      this.kms.getSecretValue({ secretName, versionId: currentId }),
      this.kms.getSecretValue({ secretName, versionId: previousId }),
    ]);
    const currentValue: unknown = this.parseValue(rotator, current, secretName);
    let previousValue: unknown;
    try {
      previousValue = this.parseValue(rotator, previous, secretName);
    } catch {
      // A value stored before Rotor managed the secret names nothing to retire.
      return finish("nothing-to-end", `ACSPrevious is not a ${rotator.kind} value`);
    }
    const ctx = this.context(setup, {
      current: currentId,
      pending: currentId,
      previous: previousId,
    });
    const outcome = await rotator.endGrace({ previous: previousValue, current: currentValue }, ctx);
    if (!outcome.ended) {
      return finish(
        outcome.endsAt === undefined ? "nothing-to-end" : "grace-running",
        outcome.reason,
      );
    }
    await this.kms.tagResource({
      secretName,
      tags: [{ key: GRACE_ENDED_TAG, value: previousId }],
    });
    setup.trail.graceEnded(previousId, currentId);
    return finish("grace-ended");
  }

  /** An orchestrated step for a known token: everything is read from KMS first. */
  private async stepWithToken(
    setup: Setup,
    request: RotationRequest,
    onStep: (step: Step) => void,
  ): Promise<RotationResult> {
    const { secretName, rotator, engineConfig } = setup;
    const token = request.versionId as string;
    const step = request.step;
    if (step === undefined) {
      throw new ValidationError(
        "VersionId is given without Step: name the step to run for that token",
      );
    }
    onStep(step);
    let tokenVersion: SecretValue;
    try {
      tokenVersion = await this.kms.getSecretValue({ secretName, versionId: token });
    } catch (error) {
      if (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound") {
        throw new StepRefusedError(
          `Secret ${secretName} has no version ${token}: ${step} refused (createSecret without VersionId starts a rotation)`,
        );
      }
      throw error;
    }
    if (tokenVersion.versionStages.includes(ACS_CURRENT)) {
      return this.auditStep(secretName, step, token, { skipped: true }, async () => {
        await removePendingStage(
          this.kms,
          secretName,
          token,
          tokenVersion.versionStages,
          engineConfig.pendingStage,
        );
        return {
          secretName,
          versionId: token,
          outcome: "already-current",
          steps: [],
          resumed: false,
        };
      });
    }
    if (!tokenVersion.versionStages.includes(engineConfig.pendingStage)) {
      throw new StepRefusedError(
        `Secret ${secretName}: version ${token} is neither ACSCurrent nor ${engineConfig.pendingStage}; ${step} refused`,
      );
    }
    const current = await this.kms.getSecretValue({ secretName, versionStage: ACS_CURRENT });
    setup.trail.versions(current.versionId, token);
    this.honourRevokeLabel(setup, current);
    if (step !== "createSecret") await this.recordLeak(setup, current);
    const rotation: Rotation = {
      ...setup,
      current,
      currentValue: this.parseValue(rotator, current, secretName),
      pendingId: token,
      pendingValue: this.parseValue(rotator, tokenVersion, secretName),
      currentStages: current.versionStages,
    };
    if (step === "createSecret") {
      return this.auditStep(secretName, step, token, { skipped: true }, async () => ({
        secretName,
        versionId: token,
        outcome: "step-done",
        steps: [],
        resumed: false,
      }));
    }
    await this.runStep(rotation, step);
    return { secretName, versionId: token, outcome: "step-done", steps: [step], resumed: false };
  }

  /**
   * No token: start a rotation from ACSCurrent (or take over an abandoned
   * one), then run every step, or only createSecret when that was asked.
   */
  private async fromCurrent(
    setup: Setup,
    onlyStep: Step | undefined,
    onStep: (step: Step) => void,
    currentRead: Promise<SecretValue> | undefined,
    versionsRead: Promise<VersionSummary[]> | undefined,
    onLeaseHeld: (leaseVersionId: string) => void,
  ): Promise<RotationResult> {
    const { secretName, rotator, engineConfig } = setup;
    if (onlyStep !== undefined && onlyStep !== "createSecret") {
      throw new ValidationError(`Step ${onlyStep} needs the rotation's token in VersionId`);
    }
    onStep("createSecret");
    let current = await (currentRead ??
      this.kms.getSecretValue({ secretName, versionStage: ACS_CURRENT }));
    if (current.versionStages.includes(engineConfig.pendingStage)) {
      // A finish was cut short between moving ACSCurrent and removing the pending stage.
      const finishedId = current.versionId;
      const stages = current.versionStages;
      await this.auditStep(secretName, "finishSecret", finishedId, {}, () =>
        removePendingStage(this.kms, secretName, finishedId, stages, engineConfig.pendingStage),
      );
      if (!setup.emergency) {
        return {
          secretName,
          versionId: finishedId,
          outcome: "already-current",
          steps: ["finishSecret"],
          resumed: true,
        };
      }
      // An emergency is about the value current now: go on and rotate it.
      current = {
        ...current,
        versionStages: stages.filter((stage) => stage !== engineConfig.pendingStage),
      };
    }
    this.honourRevokeLabel(setup, current);
    const currentValue = this.parseValue(rotator, current, secretName);
    const readCurrent = current;
    const versions = await (versionsRead ?? this.readVersionsEarly(secretName));
    const inProgress = pendingOf(versions, engineConfig.pendingStage, current.versionId);
    // An emergency (or a revoke marker's) never waits for a schedule; a rotation in progress is finished.
    const notDue =
      setup.ifDue && !setup.emergency && !inProgress
        ? notDueReason(setup.tags, versions, this.now())
        : undefined;
    if (notDue !== undefined) {
      this.options.log.info("not-due", { secret: secretName, reason: notDue });
      await this.recordVersions(secretName, versions);
      return {
        secretName,
        versionId: current.versionId,
        outcome: "not-due",
        steps: [],
        resumed: false,
      };
    }
    // A rotation in progress is usually refused (its lease runs), so reading ahead for it would be waste.
    const readAhead = inProgress ? undefined : this.readAhead(rotator, currentValue);
    // No later than the pending version's CreateTime, which only KMS knows (see recordRotation).
    const pendingCreatedBy = inProgress
      ? Date.parse(inProgress.createTime)
      : this.now() - RECORD_CLOCK_SKEW_MS;
    const claimed = await this.auditStep(
      secretName,
      "createSecret",
      inProgress?.versionId ?? pendingVersionId(current.versionId, 1),
      {},
      async () => {
        // Before anything changes (createValue may already mint a key on the target).
        await this.recordLeak(setup, readCurrent);
        // The copy is taken after recordLeak, which notes the marker on setup.
        const claimSetup = { ...setup, readAhead };
        if (inProgress) {
          // Whoever wrote it, storing ours would take the stage off it.
          return this.takeOver(claimSetup, readCurrent, currentValue, inProgress, versions);
        }
        return this.claimRotation(claimSetup, readCurrent, currentValue);
      },
    );
    if (claimed.kind === "rotated-meanwhile") {
      return {
        secretName,
        versionId: claimed.versionId,
        outcome: "already-current",
        steps: [],
        resumed: false,
      };
    }
    const { rotation } = claimed;
    onLeaseHeld(rotation.claimId ?? rotation.pendingId);
    setup.trail.versions(rotation.current.versionId, rotation.pendingId);
    // A takeover announced itself (takeOver).
    if (!claimed.resumed) setup.trail.started();
    const steps: Step[] = claimed.resumed ? [] : ["createSecret"];
    if (onlyStep === "createSecret") {
      return {
        secretName,
        versionId: rotation.pendingId,
        outcome: "step-done",
        steps,
        resumed: claimed.resumed,
      };
    }
    for (const step of ["setSecret", "testSecret", "finishSecret"] as const) {
      onStep(step);
      await this.runStep(rotation, step);
      steps.push(step);
    }
    await this.recordRotation(rotation, pendingCreatedBy);
    return {
      secretName,
      versionId: rotation.pendingId,
      outcome: "rotated",
      steps,
      resumed: claimed.resumed,
    };
  }

  // ---- createSecret and the lock ---------------------------------------------

  /**
   * Makes this invocation the rotation's holder: by storing a new pending
   * version (the normal case), or by taking over one whose lease ran out.
   */
  private async claimRotation(
    setup: Setup & Pick<Rotation, "readAhead">,
    current: SecretValue,
    currentValue: unknown,
  ): Promise<
    | { kind: "claimed"; rotation: Rotation; resumed: boolean }
    | { kind: "rotated-meanwhile"; versionId: string }
  > {
    const { secretName, rotator, engineConfig } = setup;
    this.checkTime("createSecret", undefined);
    const ctx = this.context(setup, {
      current: current.versionId,
      pending: pendingVersionId(current.versionId, 1),
    });
    const newValue: unknown = await rotator.createValue(currentValue, ctx);
    const newData = rotator.value.format(newValue);
    this.options.log.redact(newData);
    for (const part of rotator.value.sensitive(newValue)) this.options.log.redact(part);

    let attempt = 1;
    // Two rounds suffice: the second only happens when a cancelled rotation left the first id taken.
    for (let round = 0; round < 3; round++) {
      const pendingId = pendingVersionId(current.versionId, attempt);
      const leaseStart = this.now();
      const stored = await this.putIfAbsent(
        secretName,
        pendingId,
        newData,
        engineConfig.pendingStage,
        current,
      );
      const base = {
        ...setup,
        current,
        currentValue,
        currentStages: current.versionStages,
      };
      if (stored) {
        return {
          kind: "claimed",
          resumed: false,
          rotation: {
            ...base,
            pendingId,
            pendingValue: newValue,
            leaseExpiresAt: leaseStart + engineConfig.leaseMs,
          },
        };
      }
      // The id is taken: by a rival's pending version, an abandoned one, or a finished rotation.
      const { versions } = await this.kms.listSecretVersionIds({
        secretName,
        includeDeprecated: true,
      });
      const nowCurrent = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
      const pending = versions.find((version) =>
        version.versionStages.includes(engineConfig.pendingStage),
      );
      if (nowCurrent && nowCurrent.versionId !== current.versionId) {
        if (pending) {
          throw new RotationInProgressError(
            secretName,
            pending.versionId,
            undefined,
            "another invocation is finishing it",
          );
        }
        return { kind: "rotated-meanwhile", versionId: nowCurrent.versionId };
      }
      if (!pending) {
        attempt = nextPendingAttempt(current.versionId, versions);
        continue;
      }
      return this.takeOver(setup, current, currentValue, pending, versions);
    }
    throw new RotationInProgressError(
      secretName,
      pendingVersionId(current.versionId, attempt),
      undefined,
      "other invocations keep racing for it",
    );
  }

  /**
   * Takes over the rotation of a pending version, whoever stored it, once
   * its lease has run out (refused before): carries its value on, since
   * that value may already be on the target. A value the rotator cannot
   * read is refused and left in place; only a person who knows it is in
   * use nowhere may clear it (`rotor cancel`).
   */
  private async takeOver(
    setup: Setup & Pick<Rotation, "readAhead">,
    current: SecretValue,
    currentValue: unknown,
    pending: VersionSummary,
    versions: readonly VersionSummary[],
  ): Promise<{ kind: "claimed"; rotation: Rotation; resumed: boolean }> {
    const { secretName, engineConfig } = setup;
    this.checkTime("createSecret", undefined);
    const writtenByRotor = isRotorPendingId(pending.versionId);
    const lease = leaseOf(pending, versions, engineConfig.leaseMs, setup.tags);
    if (leaseRunning(lease, this.now())) {
      throw new RotationInProgressError(
        secretName,
        pending.versionId,
        lease.expiresAt,
        writtenByRotor
          ? "another invocation holds it"
          : `it was stored under ${engineConfig.pendingStage} outside Rotor (if its value is in use nowhere, \`rotor cancel ${secretName} --force\` clears it now)`,
      );
    }
    const pendingSecret = await this.kms.getSecretValue({
      secretName,
      versionId: pending.versionId,
    });
    const pendingValue = this.readPendingValue(setup, pendingSecret);
    const claimId = leaseClaimId(pending.versionId, lease.lastClaim + 1);
    const claim: LeaseClaimData = { holder: this.holder, emergency: setup.emergency };
    const claimStart = this.now();
    const won = await this.putIfAbsent(
      secretName,
      claimId,
      JSON.stringify(claim),
      LEASE_STAGE,
      current,
    );
    if (!won) {
      throw new RotationInProgressError(
        secretName,
        pending.versionId,
        undefined,
        "another invocation took the abandoned rotation over first",
      );
    }
    this.options.log.info("rotation-taken-over", {
      secret: secretName,
      versionId: pending.versionId,
      writtenByRotor,
      ...(lease.released
        ? { leaseReleasedAfterFailure: true }
        : { abandonedLeaseExpired: new Date(lease.expiresAt).toISOString() }),
    });
    setup.trail.versions(current.versionId, pending.versionId);
    setup.trail.takenOver({
      writtenByRotor,
      ...(lease.released
        ? { leaseReleasedAfterFailure: true }
        : { abandonedLeaseExpiredAt: new Date(lease.expiresAt).toISOString() }),
    });
    return {
      kind: "claimed",
      resumed: true,
      rotation: {
        ...setup,
        current,
        currentValue,
        currentStages: current.versionStages,
        pendingId: pending.versionId,
        pendingValue,
        leaseExpiresAt: claimStart + engineConfig.leaseMs,
        claimId,
      },
    };
  }

  /** The value of a pending version to take over, or a refusal that says how to clear it. */
  private readPendingValue(setup: Setup, pending: SecretValue): unknown {
    const { secretName, rotator, engineConfig } = setup;
    try {
      return this.parseValue(rotator, pending, secretName);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.options.log.warn("pending-version-refused", {
        secret: secretName,
        versionId: pending.versionId,
        reason: `not a ${rotator.kind} value: ${error.message}`,
      });
      throw new ValidationError(
        `Secret ${secretName}: version ${pending.versionId} holds the pending stage ${engineConfig.pendingStage} but is not a value the ${rotator.kind} rotator can read (${error.message}), so Rotor can neither carry its rotation on nor start another over it. If that value is in use nowhere, clear it with \`rotor cancel ${secretName}\` (which first checks that ACSCurrent still works) and rotate again.`,
        { cause: error },
      );
    }
  }

  /** PutSecretValue as compare-and-set: true when the version is ours, false when the id was taken. */
  private async putIfAbsent(
    secretName: string,
    versionId: string,
    data: string,
    stage: string,
    current: SecretValue,
  ): Promise<boolean> {
    try {
      await this.kms.putSecretValue({
        secretName,
        versionId,
        secretData: data,
        secretDataType: current.secretDataType,
        versionStages: [stage],
      });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "Rejected.ResourceExist") return false;
      throw error;
    }
  }

  // ---- setSecret, testSecret, finishSecret -----------------------------------

  private async runStep(rotation: Rotation, step: Exclude<Step, "createSecret">): Promise<void> {
    await this.auditStep(rotation.secretName, step, rotation.pendingId, {}, async () => {
      this.checkTime(step, rotation.leaseExpiresAt);
      const values = await this.values(rotation);
      const ctx = this.context(rotation, {
        current: rotation.current.versionId,
        pending: rotation.pendingId,
      });
      if (step === "setSecret") await rotation.rotator.apply(values, ctx);
      else if (step === "testSecret") await this.testWithRetries(rotation, values.pending, ctx);
      else await this.finish(rotation, values, ctx);
    });
  }

  private async values(rotation: Rotation): Promise<RotationValues<unknown>> {
    const values: RotationValues<unknown> = {
      current: rotation.currentValue,
      pending: rotation.pendingValue,
    };
    if (rotation.rotator.usesPrevious) {
      try {
        const previous = await this.kms.getSecretValue({
          secretName: rotation.secretName,
          versionStage: ACS_PREVIOUS,
        });
        values.previous = this.parseValue(rotation.rotator, previous, rotation.secretName);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === "Forbidden.ResourceNotFound"))
          throw error;
      }
    }
    return values;
  }

  /** testSecret retries with doubling delays within the deadline: a change can take time to propagate. */
  private async testWithRetries(
    rotation: Rotation,
    pending: unknown,
    ctx: RotatorContext<unknown>,
  ): Promise<void> {
    const sleep = this.options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const baseDelay = this.options.testRetryDelayMs ?? 1000;
    const attempts = rotation.engineConfig.testAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        await rotation.rotator.test(pending, ctx);
        return;
      } catch (error) {
        const delay = baseDelay * 2 ** (attempt - 1);
        const outOfTime = this.now() + delay + this.margin() > this.deadline;
        if (attempt >= attempts || outOfTime) {
          throw new TestFailedError(
            `Secret ${rotation.secretName}: testSecret of version ${rotation.pendingId} failed after ${attempt} attempt(s): ${describeError(error)}`,
            { cause: error },
          );
        }
        this.options.log.warn("test-retry", {
          secret: rotation.secretName,
          versionId: rotation.pendingId,
          attempt,
          error: describeError(error),
        });
        await sleep(delay);
      }
    }
  }

  /**
   * finishSecret: the rotator's finish, the stage switch (see
   * stage-switch.ts for its crash-safe order), the lease label of a
   * takeover off, and in an emergency the rotator's revoke, then the revoke
   * marker off (written when the emergency began; a crash before its removal
   * makes the next invocation revoke again, which revoke allows).
   */
  private async finish(
    rotation: Rotation,
    values: RotationValues<unknown>,
    ctx: RotatorContext<unknown>,
  ): Promise<void> {
    const { secretName, pendingId, rotator, engineConfig } = rotation;
    await rotator.finish?.(values, ctx);
    await switchToPending(this.kms, {
      secretName,
      oldCurrent: rotation.current.versionId,
      oldCurrentStages: rotation.currentStages,
      pendingId,
      pendingStage: engineConfig.pendingStage,
    });
    if (rotation.claimId) {
      await this.kms
        .updateSecretVersionStage({
          secretName,
          versionStage: LEASE_STAGE,
          removeFromVersion: rotation.claimId,
        })
        .catch((error: unknown) => {
          // Harmless if left: a later takeover moves the label on. Say so and go on.
          this.options.log.warn("lease-label-left", {
            secret: secretName,
            error: describeError(error),
          });
        });
    }
    if (!rotation.emergency) return;
    await rotator.revoke?.({ revoked: values.current, current: values.pending }, ctx);
    if (rotation.revokeMarker === rotation.current.versionId) {
      await this.removeRevokeMarker(secretName, rotation.current.versionId).catch(
        (error: unknown) => {
          // Harmless if left: the next invocation revokes again (idempotent) and removes it.
          this.options.log.warn("revoke-marker-left", {
            secret: secretName,
            error: describeError(error),
          });
        },
      );
    }
    rotation.trail.emergencyRevoked(rotation.current.versionId, pendingId, false);
  }

  /**
   * Records the rotation on the secret for the scheduler (rotation-record.ts),
   * when the deployment set a record key. The time recorded must not be
   * later than the new ACSCurrent's CreateTime (a later one would delay the
   * next rotation), so it is the claimed pending version's own, or this
   * function's clock before it stored the version, less a margin for clock
   * skew. A record left unwritten only costs the scheduler one read.
   */
  private async recordRotation(rotation: Rotation, rotatedBy: number): Promise<void> {
    if (this.recordKey === undefined) return;
    const { secretName } = rotation;
    const value = recordValue(this.recordKey, secretName, {
      rotatedAt: rotatedBy,
      previousDigest: versionDigest(rotation.current.versionId),
    });
    try {
      await this.kms.tagResource({ secretName, tags: [{ key: ROTATED_TAG, value }] });
    } catch (error) {
      this.options.log.warn("rotation-record-left", {
        secret: secretName,
        error: describeError(error),
      });
    }
  }

  /**
   * Records the rotation the versions show, after an IfDue request the
   * record made look due: the record was earlier than the versions, and
   * the scheduler, which did not read them, would ask again every run.
   * KMS's own CreateTime is never later than the versions.
   */
  private async recordVersions(secretName: string, versions: VersionSummary[]): Promise<void> {
    if (this.recordKey === undefined) return;
    const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
    if (current === undefined) return;
    const previous = versions.find((version) => version.versionStages.includes("ACSPrevious"));
    const value = recordValue(this.recordKey, secretName, {
      rotatedAt: Date.parse(current.createTime),
      previousDigest: previous === undefined ? undefined : versionDigest(previous.versionId),
    });
    try {
      await this.kms.tagResource({ secretName, tags: [{ key: ROTATED_TAG, value }] });
    } catch (error) {
      this.options.log.warn("rotation-record-left", {
        secret: secretName,
        error: describeError(error),
      });
    }
  }

  // ---- shared plumbing ----------------------------------------------------------

  private margin(): number {
    return this.options.stepMarginMs ?? 5000;
  }

  /** Refuses to start a step that could not end before the deadline or the lease's end. */
  private checkTime(step: Step, leaseExpiresAt: number | undefined): void {
    const limit = Math.min(this.deadline, leaseExpiresAt ?? Number.POSITIVE_INFINITY);
    if (this.now() + this.margin() > limit) {
      const which =
        limit === this.deadline ? "the invocation's deadline" : "the rotation lease's end";
      throw new DeadlineError(
        `${step} not started: less than ${this.margin()} ms left before ${which}; a later invocation resumes the rotation`,
      );
    }
  }

  private context(
    setup: {
      secretName: string;
      config: unknown;
      tags: Record<string, string>;
      emergency: boolean;
      readAhead?: ReadonlyMap<string, Promise<SecretValue>> | undefined;
      endHooks: EndHook[];
    },
    versionIds: RotatorContext<unknown>["versionIds"],
  ): RotatorContext<unknown> {
    const { log, beforeExternalCall } = this.options;
    return {
      secretName: setup.secretName,
      config: setup.config,
      tags: setup.tags,
      policy: this.policy,
      kms: this.kms,
      log: log.child({ secret: setup.secretName }),
      deadline: this.deadline,
      emergency: setup.emergency,
      versionIds,
      readSecret: async (secretName, options) => {
        const versionStage = options?.versionStage ?? ACS_CURRENT;
        const readAhead =
          versionStage === ACS_CURRENT ? setup.readAhead?.get(secretName) : undefined;
        const secret = await (readAhead ?? this.kms.getSecretValue({ secretName, versionStage }));
        log.redact(secret.secretData);
        return secret.secretData;
      },
      external: async (name, call) => {
        await beforeExternalCall?.({ kind: "external", name });
        return call();
      },
      redact: (value) => log.redact(value),
      now: this.now,
      onInvocationEnd: (hook) => {
        setup.endHooks.push(hook);
      },
    };
  }

  /** Runs one step and writes its audit line: secret, step, version, outcome, duration, request ids. */
  private async auditStep<T>(
    secretName: string,
    step: Step,
    versionId: string,
    flags: { dryRun?: boolean; skipped?: boolean },
    work: () => Promise<T>,
  ): Promise<T> {
    const started = this.now();
    const line = (outcome: string, extra: Record<string, unknown> = {}) => {
      this.options.log.info("rotation-step", {
        secret: secretName,
        step,
        versionId,
        outcome,
        durationMs: this.now() - started,
        requestIds: this.requestIds,
        ...(flags.dryRun ? { dryRun: true } : {}),
        ...extra,
      });
      this.requestIds = [];
    };
    try {
      const result = await work();
      line(flags.skipped ? "skipped" : "ok");
      return result;
    } catch (error) {
      line(error instanceof RotationBlockedError ? "refused" : "failed", {
        error: describeError(error),
      });
      throw error;
    }
  }

  /**
   * A rotation went through after a recorded failure: the records (this
   * engine's per-attempt tag, and the final outcome the onFailure function
   * wrote) no longer describe the secret.
   */
  private async clearFailure(secretName: string): Promise<void> {
    try {
      await this.kms.untagResource({ secretName, tagKeys: [...FAILURE_RECORD_TAGS] });
    } catch (error) {
      this.options.log.warn("failure-record-left", {
        secret: secretName,
        error: describeError(error),
      });
    }
  }

  /**
   * Records an operational failure on the secret (tag rotor:last-failure) so
   * `rotor status` shows it; bad input and refusals change nothing, by rule.
   * A holder gives its lease up in the same call (rotation-lock.ts): it
   * stops here, and the next invocation may carry the rotation on at once.
   */
  private async recordFailure(
    request: RotationRequest,
    step: Step | "load",
    error: unknown,
    started: number,
    heldLease: string | undefined,
  ): Promise<void> {
    const tags: { key: string; value: string }[] = [];
    if (!isRefusal(request, step, error)) {
      const code =
        error instanceof ApiError ? error.code : error instanceof Error ? error.name : "Error";
      const value = `${new Date(started).toISOString()} ${step} ${code}`.slice(0, 256);
      tags.push({ key: LAST_FAILURE_TAG, value });
    }
    if (heldLease !== undefined) tags.push({ key: LEASE_RELEASED_TAG, value: heldLease });
    if (tags.length === 0) return;
    try {
      await this.kms.tagResource({ secretName: request.secretName, tags });
    } catch {
      // The failure itself is what the caller must see; the record is best effort.
      return;
    }
    if (heldLease !== undefined) {
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
function isRefusal(request: RotationRequest, step: Step | "load", error: unknown): boolean {
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

/** The version holding the pending stage, unless it is ACSCurrent (a finish cut short). */
function pendingOf(
  versions: readonly VersionSummary[],
  pendingStage: string,
  currentId: string,
): VersionSummary | undefined {
  return versions.find(
    (version) => version.versionStages.includes(pendingStage) && version.versionId !== currentId,
  );
}

/** An error's name and message, for log lines (values are scrubbed by the logger). */
export function describeError(error: unknown): string {
  if (error instanceof RotorError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The four-step protocol over KMS stages, for any rotator: createSecret
 * (claim the rotation: store the pending version, or take over one whose
 * lease ran out) → setSecret (the rotator's apply) → testSecret (with
 * retries) → finishSecret (the stage switch, and in an emergency the
 * revoke).
 *
 * Two ways in: from ACSCurrent without a token (a full rotation, or only
 * createSecret), or one orchestrated step for a known token. Both start
 * from the stages in KMS: a token that is already current means nothing
 * to do, a token that is not pending is refused, a step run again gives
 * the same result. Each step runs inside `inStep`, so an error leaves
 * naming it (failed-step.ts).
 */
import { ApiError, type SecretValue, ValidationError, type VersionSummary } from "@rotor/cloud-api";
import { describeError } from "../contract/describe-error.ts";
import {
  RotationInProgressError,
  StepRefusedError,
  TestFailedError,
} from "../contract/rotation-errors.ts";
import type {
  AnyRotator,
  RotationValues,
  RotatorContext,
  Step,
} from "../contract/rotator-contract.ts";
import { ACS_CURRENT, LEASE_STAGE } from "../contract/stages.ts";
import { RECORD_CLOCK_SKEW_MS } from "../contract/tags/rotation-record.ts";
import { auditStep } from "./audit-step.ts";
import { notDueReason } from "./due-confirmation.ts";
import { honourRevokeLabel, recordLeak } from "./emergency-revoke.ts";
import { checkTime, type EngineRuntime, parseValue } from "./engine-runtime.ts";
import { inStep } from "./failed-step.ts";
import type { Invocation } from "./rotation-invocation.ts";
import {
  isRotorPendingId,
  type LeaseClaimData,
  leaseClaimId,
  leaseOf,
  leaseRunning,
  nextPendingAttempt,
  pendingVersionId,
} from "./rotation-lock.ts";
import type { RotationRequest, RotationResult } from "./rotation-request.ts";
import { rotatorContext } from "./rotator-context.ts";

/** An invocation at work on one rotation: the value it replaces and the one it brings. */
interface Rotation extends Invocation {
  readonly current: SecretValue;
  readonly currentValue: unknown;
  readonly pendingId: string;
  readonly pendingValue: unknown;
  /** Stages of the old ACSCurrent version as last seen. */
  readonly currentStages: readonly string[];
  /** Set when this invocation holds the lease (full mode): steps must end before it runs out. */
  readonly leaseExpiresAt?: number | undefined;
  /** The claim version this invocation put when it took the rotation over. */
  readonly claimId?: string | undefined;
  /** Other secrets' ACSCurrent, read ahead for the rotator (see Rotator.readsSecrets). */
  readonly readAhead?: ReadonlyMap<string, Promise<SecretValue>> | undefined;
}

type Claim =
  | { kind: "claimed"; rotation: Rotation; resumed: boolean }
  | { kind: "rotated-meanwhile"; versionId: string };

/** What the engine read before it knew what it would do, to save round trips. */
export interface ReadsAhead {
  current: Promise<SecretValue> | undefined;
  versions: Promise<VersionSummary[]> | undefined;
}

// ---- the two ways in -----------------------------------------------------------

/** An orchestrated step for a known token: everything is read from KMS first. */
export async function runStepWithToken(
  runtime: EngineRuntime,
  invocation: Invocation,
  request: RotationRequest,
): Promise<RotationResult> {
  const step = request.step;
  if (step === undefined) {
    throw new ValidationError(
      "VersionId is given without Step: name the step to run for that token",
    );
  }
  return inStep(step, () => stepWithToken(runtime, invocation, step, request.versionId as string));
}

async function stepWithToken(
  runtime: EngineRuntime,
  invocation: Invocation,
  step: Step,
  token: string,
): Promise<RotationResult> {
  const { secretName, rotator, engineConfig, trail } = invocation;
  const { store } = runtime;
  let tokenVersion: SecretValue;
  try {
    tokenVersion = await store.readVersion(secretName, token);
  } catch (error) {
    if (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound") {
      throw new StepRefusedError(
        `Secret ${secretName} has no version ${token}: ${step} refused (createSecret without VersionId starts a rotation)`,
      );
    }
    throw error;
  }
  if (tokenVersion.versionStages.includes(ACS_CURRENT)) {
    return auditStep(runtime, secretName, step, token, { skipped: true }, async () => {
      await store.removePendingStage(
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
  const current = await store.readStage(secretName, ACS_CURRENT);
  trail.versions(current.versionId, token);
  let known = honourRevokeLabel(invocation, current);
  if (step !== "createSecret") known = await recordLeak(runtime, known, current);
  const rotation: Rotation = {
    ...known,
    current,
    currentValue: parseValue(runtime, rotator, current, secretName),
    pendingId: token,
    pendingValue: parseValue(runtime, rotator, tokenVersion, secretName),
    currentStages: current.versionStages,
  };
  if (step === "createSecret") {
    return auditStep(runtime, secretName, step, token, { skipped: true }, async () => ({
      secretName,
      versionId: token,
      outcome: "step-done",
      steps: [],
      resumed: false,
    }));
  }
  await runStep(runtime, rotation, step);
  return { secretName, versionId: token, outcome: "step-done", steps: [step], resumed: false };
}

/**
 * No token: start a rotation from ACSCurrent (or take over an abandoned
 * one), then run every step, or only createSecret when that was asked.
 */
export async function rotateFromCurrent(
  runtime: EngineRuntime,
  invocation: Invocation,
  onlyStep: Step | undefined,
  reads: ReadsAhead,
  /** Told the lease once this invocation holds it, so a failure can give it up (rotation-lock.ts). */
  onLeaseHeld: (leaseVersionId: string) => void,
): Promise<RotationResult> {
  const { secretName } = invocation;
  if (onlyStep !== undefined && onlyStep !== "createSecret") {
    throw new ValidationError(`Step ${onlyStep} needs the rotation's token in VersionId`);
  }
  const created = await inStep("createSecret", () => createSecret(runtime, invocation, reads));
  if (created.kind === "done") return created.result;
  const { claim, pendingCreatedBy } = created;
  const { rotation } = claim;
  onLeaseHeld(rotation.claimId ?? rotation.pendingId);
  rotation.trail.versions(rotation.current.versionId, rotation.pendingId);
  // A takeover announced itself (takeOver).
  if (!claim.resumed) rotation.trail.started();
  const steps: Step[] = claim.resumed ? [] : ["createSecret"];
  if (onlyStep === "createSecret") {
    return {
      secretName,
      versionId: rotation.pendingId,
      outcome: "step-done",
      steps,
      resumed: claim.resumed,
    };
  }
  for (const step of ["setSecret", "testSecret", "finishSecret"] as const) {
    await inStep(step, () => runStep(runtime, rotation, step));
    steps.push(step);
  }
  await recordRotation(runtime, rotation, pendingCreatedBy);
  return {
    secretName,
    versionId: rotation.pendingId,
    outcome: "rotated",
    steps,
    resumed: claim.resumed,
  };
}

// ---- createSecret and the lock ---------------------------------------------------

/**
 * createSecret from ACSCurrent: finish a switch cut short, honour a revoke
 * label, stop if IfDue finds the secret not due, then claim the rotation.
 * Either the invocation is done, or it holds the rotation.
 */
async function createSecret(
  runtime: EngineRuntime,
  loaded: Invocation,
  reads: ReadsAhead,
): Promise<
  | { kind: "done"; result: RotationResult }
  | {
      kind: "claimed";
      claim: Extract<Claim, { kind: "claimed" }>;
      /** No later than the pending version's CreateTime (see recordRotation). */
      pendingCreatedBy: number;
    }
> {
  const { secretName, rotator, engineConfig } = loaded;
  const { store, log } = runtime;
  let current = await (reads.current ?? store.readStage(secretName, ACS_CURRENT));
  if (current.versionStages.includes(engineConfig.pendingStage)) {
    // A finish was cut short between moving ACSCurrent and removing the pending stage.
    const finishedId = current.versionId;
    const stages = current.versionStages;
    await auditStep(runtime, secretName, "finishSecret", finishedId, {}, () =>
      store.removePendingStage(secretName, finishedId, stages, engineConfig.pendingStage),
    );
    if (!loaded.emergency) {
      return {
        kind: "done",
        result: {
          secretName,
          versionId: finishedId,
          outcome: "already-current",
          steps: ["finishSecret"],
          resumed: true,
        },
      };
    }
    // An emergency is about the value current now: go on and rotate it.
    current = {
      ...current,
      versionStages: stages.filter((stage) => stage !== engineConfig.pendingStage),
    };
  }
  const invocation = honourRevokeLabel(loaded, current);
  const currentValue = parseValue(runtime, rotator, current, secretName);
  const readCurrent = current;
  const versions = await (reads.versions ?? store.readVersionsAhead(secretName));
  const inProgress = pendingOf(versions, engineConfig.pendingStage, current.versionId);
  // An emergency (or a revoke marker's) never waits for a schedule; a rotation in progress is finished.
  const notDue =
    invocation.ifDue && !invocation.emergency && !inProgress
      ? notDueReason(invocation.tags, versions, runtime.now())
      : undefined;
  if (notDue !== undefined) {
    log.info("not-due", { secret: secretName, reason: notDue });
    await recordVersions(runtime, secretName, versions);
    return {
      kind: "done",
      result: {
        secretName,
        versionId: current.versionId,
        outcome: "not-due",
        steps: [],
        resumed: false,
      },
    };
  }
  // A rotation in progress is usually refused (its lease runs), so reading ahead for it would be waste.
  const readAhead = inProgress ? undefined : readSecretsAhead(runtime, rotator, currentValue);
  const pendingCreatedBy = inProgress
    ? Date.parse(inProgress.createTime)
    : runtime.now() - RECORD_CLOCK_SKEW_MS;
  const claim = await auditStep(
    runtime,
    secretName,
    "createSecret",
    inProgress?.versionId ?? pendingVersionId(current.versionId, 1),
    {},
    async (): Promise<Claim> => {
      // Before anything changes (createValue may already mint a key on the target).
      const marked = await recordLeak(runtime, invocation, readCurrent);
      if (inProgress) {
        // Whoever wrote it, storing ours would take the stage off it.
        return takeOver(
          runtime,
          marked,
          readAhead,
          readCurrent,
          currentValue,
          inProgress,
          versions,
        );
      }
      return claimRotation(runtime, marked, readAhead, readCurrent, currentValue);
    },
  );
  if (claim.kind === "rotated-meanwhile") {
    return {
      kind: "done",
      result: {
        secretName,
        versionId: claim.versionId,
        outcome: "already-current",
        steps: [],
        resumed: false,
      },
    };
  }
  return { kind: "claimed", claim, pendingCreatedBy };
}

/**
 * The secrets the rotator says it will read, read now so the reads overlap
 * createSecret's own calls. A failed read surfaces where the rotator
 * awaits it, and nowhere if it never does.
 */
function readSecretsAhead(
  runtime: EngineRuntime,
  rotator: AnyRotator,
  currentValue: unknown,
): ReadonlyMap<string, Promise<SecretValue>> {
  const reads = new Map<string, Promise<SecretValue>>();
  for (const secretName of rotator.readsSecrets?.(currentValue, runtime.policy) ?? []) {
    if (!reads.has(secretName)) reads.set(secretName, runtime.store.readCurrentAhead(secretName));
  }
  return reads;
}

/**
 * Makes this invocation the rotation's holder: by storing a new pending
 * version (the normal case), or by taking over one whose lease ran out.
 */
async function claimRotation(
  runtime: EngineRuntime,
  invocation: Invocation,
  readAhead: Rotation["readAhead"],
  current: SecretValue,
  currentValue: unknown,
): Promise<Claim> {
  const { secretName, rotator, engineConfig } = invocation;
  const { store, log } = runtime;
  checkTime(runtime, "createSecret", undefined);
  const ctx = rotatorContext(
    runtime,
    invocation,
    { current: current.versionId, pending: pendingVersionId(current.versionId, 1) },
    readAhead,
  );
  const newValue: unknown = await rotator.createValue(currentValue, ctx);
  const newData = rotator.value.format(newValue);
  log.redact(newData);
  for (const part of rotator.value.sensitive(newValue)) log.redact(part);

  let attempt = 1;
  // Two rounds suffice: the second only happens when a cancelled rotation left the first id taken.
  for (let round = 0; round < 3; round++) {
    const pendingId = pendingVersionId(current.versionId, attempt);
    const leaseStart = runtime.now();
    const stored = await store.putIfAbsent(
      secretName,
      pendingId,
      newData,
      engineConfig.pendingStage,
      current,
    );
    if (stored) {
      return {
        kind: "claimed",
        resumed: false,
        rotation: {
          ...invocation,
          readAhead,
          current,
          currentValue,
          currentStages: current.versionStages,
          pendingId,
          pendingValue: newValue,
          leaseExpiresAt: leaseStart + engineConfig.leaseMs,
        },
      };
    }
    // The id is taken: by a rival's pending version, an abandoned one, or a finished rotation.
    const versions = await store.listVersions(secretName, true);
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
    return takeOver(runtime, invocation, readAhead, current, currentValue, pending, versions);
  }
  throw new RotationInProgressError(
    secretName,
    pendingVersionId(current.versionId, attempt),
    undefined,
    "other invocations keep racing for it",
  );
}

/**
 * Resumes a rotation: takes over the rotation of a pending version,
 * whoever stored it, once its lease has run out (refused before), and
 * carries its value on, since that value may already be on the target. A
 * value the rotator cannot read is refused and left in place; only a
 * person who knows it is in use nowhere may clear it (`rotor cancel`).
 */
async function takeOver(
  runtime: EngineRuntime,
  invocation: Invocation,
  readAhead: Rotation["readAhead"],
  current: SecretValue,
  currentValue: unknown,
  pending: VersionSummary,
  versions: readonly VersionSummary[],
): Promise<Extract<Claim, { kind: "claimed" }>> {
  const { secretName, engineConfig, trail } = invocation;
  const { store, log } = runtime;
  checkTime(runtime, "createSecret", undefined);
  const writtenByRotor = isRotorPendingId(pending.versionId);
  const lease = leaseOf(pending, versions, engineConfig.leaseMs, invocation.tags);
  if (leaseRunning(lease, runtime.now())) {
    throw new RotationInProgressError(
      secretName,
      pending.versionId,
      lease.expiresAt,
      writtenByRotor
        ? "another invocation holds it"
        : `it was stored under ${engineConfig.pendingStage} outside Rotor (if its value is in use nowhere, \`rotor cancel ${secretName} --force\` clears it now)`,
    );
  }
  const pendingSecret = await store.readVersion(secretName, pending.versionId);
  const pendingValue = readPendingValue(runtime, invocation, pendingSecret);
  const claimId = leaseClaimId(pending.versionId, lease.lastClaim + 1);
  const claim: LeaseClaimData = { holder: runtime.holder, emergency: invocation.emergency };
  const claimStart = runtime.now();
  const won = await store.putIfAbsent(
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
  log.info("rotation-taken-over", {
    secret: secretName,
    versionId: pending.versionId,
    writtenByRotor,
    ...(lease.released
      ? { leaseReleasedAfterFailure: true }
      : { abandonedLeaseExpired: new Date(lease.expiresAt).toISOString() }),
  });
  trail.versions(current.versionId, pending.versionId);
  trail.takenOver({
    writtenByRotor,
    ...(lease.released
      ? { leaseReleasedAfterFailure: true }
      : { abandonedLeaseExpiredAt: new Date(lease.expiresAt).toISOString() }),
  });
  return {
    kind: "claimed",
    resumed: true,
    rotation: {
      ...invocation,
      readAhead,
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
function readPendingValue(
  runtime: EngineRuntime,
  invocation: Invocation,
  pending: SecretValue,
): unknown {
  const { secretName, rotator, engineConfig } = invocation;
  try {
    return parseValue(runtime, rotator, pending, secretName);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    runtime.log.warn("pending-version-refused", {
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

// ---- setSecret, testSecret, finishSecret -----------------------------------------

async function runStep(
  runtime: EngineRuntime,
  rotation: Rotation,
  step: Exclude<Step, "createSecret">,
): Promise<void> {
  await auditStep(runtime, rotation.secretName, step, rotation.pendingId, {}, async () => {
    checkTime(runtime, step, rotation.leaseExpiresAt);
    const values = await stepValues(runtime, rotation);
    const ctx = rotatorContext(
      runtime,
      rotation,
      { current: rotation.current.versionId, pending: rotation.pendingId },
      rotation.readAhead,
    );
    if (step === "setSecret") await rotation.rotator.apply(values, ctx);
    else if (step === "testSecret") await testWithRetries(runtime, rotation, values.pending, ctx);
    else await finish(runtime, rotation, values, ctx);
  });
}

/** The values a step hands the rotator: current and pending, and ACSPrevious for a rotator that uses it. */
async function stepValues(
  runtime: EngineRuntime,
  rotation: Rotation,
): Promise<RotationValues<unknown>> {
  const values: RotationValues<unknown> = {
    current: rotation.currentValue,
    pending: rotation.pendingValue,
  };
  if (rotation.rotator.usesPrevious) {
    const previous = await runtime.store.readPrevious(rotation.secretName);
    if (previous !== undefined) {
      values.previous = parseValue(runtime, rotation.rotator, previous, rotation.secretName);
    }
  }
  return values;
}

/** testSecret retries with doubling delays within the deadline: a change can take time to propagate. */
async function testWithRetries(
  runtime: EngineRuntime,
  rotation: Rotation,
  pending: unknown,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  const attempts = rotation.engineConfig.testAttempts;
  for (let attempt = 1; ; attempt++) {
    try {
      await rotation.rotator.test(pending, ctx);
      return;
    } catch (error) {
      const delay = runtime.testRetryDelayMs * 2 ** (attempt - 1);
      const outOfTime = runtime.now() + delay + runtime.stepMarginMs > runtime.deadline;
      if (attempt >= attempts || outOfTime) {
        throw new TestFailedError(
          `Secret ${rotation.secretName}: testSecret of version ${rotation.pendingId} failed after ${attempt} attempt(s): ${describeError(error)}`,
          { cause: error },
        );
      }
      runtime.log.warn("test-retry", {
        secret: rotation.secretName,
        versionId: rotation.pendingId,
        attempt,
        error: describeError(error),
      });
      await runtime.sleep(delay);
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
async function finish(
  runtime: EngineRuntime,
  rotation: Rotation,
  values: RotationValues<unknown>,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  const { secretName, pendingId, rotator, engineConfig } = rotation;
  const { store } = runtime;
  await rotator.finish?.(values, ctx);
  await store.switchToPending({
    secretName,
    oldCurrent: rotation.current.versionId,
    oldCurrentStages: rotation.currentStages,
    pendingId,
    pendingStage: engineConfig.pendingStage,
  });
  if (rotation.claimId) await store.removeClaimLabel(secretName, rotation.claimId);
  if (!rotation.emergency) return;
  await rotator.revoke?.({ revoked: values.current, current: values.pending }, ctx);
  if (rotation.revokeMarker === rotation.current.versionId) {
    await store
      .removeRevokeMarker(secretName, rotation.current.versionId)
      .catch((error: unknown) => {
        // Harmless if left: the next invocation revokes again (idempotent) and removes it.
        runtime.log.warn("revoke-marker-left", { secret: secretName, error: describeError(error) });
      });
  }
  rotation.trail.emergencyRevoked(rotation.current.versionId, pendingId, false);
}

// ---- the rotation record (scheduler/rotation-record.ts) ----------------------------

/**
 * Records the rotation on the secret for the scheduler. The time recorded
 * must not be later than the new ACSCurrent's CreateTime (a later one
 * would delay the next rotation), so it is the claimed pending version's
 * own, or this function's clock before it stored the version, less a
 * margin for clock skew.
 */
async function recordRotation(
  runtime: EngineRuntime,
  rotation: Rotation,
  rotatedBy: number,
): Promise<void> {
  await runtime.store.recordRotation(rotation.secretName, {
    rotatedAt: rotatedBy,
    previousVersionId: rotation.current.versionId,
  });
}

/**
 * Records the rotation the versions show, after an IfDue request the
 * record made look due: the record was earlier than the versions, and
 * the scheduler, which did not read them, would ask again every run.
 * KMS's own CreateTime is never later than the versions.
 */
async function recordVersions(
  runtime: EngineRuntime,
  secretName: string,
  versions: readonly VersionSummary[],
): Promise<void> {
  if (!runtime.store.keepsRecord) return;
  const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
  if (current === undefined) return;
  const previous = versions.find((version) => version.versionStages.includes("ACSPrevious"));
  await runtime.store.recordRotation(secretName, {
    rotatedAt: Date.parse(current.createTime),
    previousVersionId: previous?.versionId,
  });
}

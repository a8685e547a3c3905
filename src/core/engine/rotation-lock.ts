/**
 * One rotation of a secret at a time: the per-secret lock, built on the
 * pending version itself, with a lease.
 *
 * The atomic operation: KMS PutSecretValue with a caller-chosen VersionId.
 * It is a compare-and-set on "does this version id exist?": the same id with
 * the same data succeeds without change (a retry of our own call), the same
 * id with different data is refused with Rejected.ResourceExist. KMS applies
 * a PutSecretValue whole or not at all, so of several callers racing to put
 * one id with different data, exactly one succeeds.
 *
 * The claim is the pending version. Its id is not random: it is derived from
 * the ACSCurrent version id (`rotor-<hash of current id>-<attempt>`), so every
 * invocation that read the same ACSCurrent races to put the same id, each
 * with its own freshly generated value. Different values mean different
 * data, so one invocation wins the rotation and every other one is told
 * Rejected.ResourceExist and backs off. The lock therefore costs no KMS call
 * at all on the normal path: the PutSecretValue that stores the new value
 * is the lock. A rotation started for an older ACSCurrent (a stale reader)
 * derives a different id; it is caught because the version it read is no
 * longer ACSCurrent when it looks again (see rotation-engine.ts).
 *
 * The lease. A holder can crash (FC kills it at its timeout, the machine
 * goes away) with the pending version left behind. The pending version's
 * CreateTime, set by KMS, starts the lease; `rotor:lease` (default 15
 * minutes, longer than a rotation step may run) is its length. While it
 * runs, other invocations refuse with RotationInProgressError naming the
 * expiry. After it, the next invocation takes the rotation over and carries
 * it on with the same pending value (it may already be on the target): it
 * never mints a new version per retry.
 *
 * Taking over must be exclusive too, and the pending version can't be put
 * again (same id + same value succeeds for everybody). So a takeover puts a
 * claim version `<pending id>.lease-<n>` whose data names the new holder
 * (a random id, never a secret) and whether it is an emergency: the same
 * compare-and-set again, n one above the highest claim seen. The newest
 * claim's CreateTime restarts the lease. Claims carry the custom stage
 * `RotorLease` because PutSecretValue without a stage would make them
 * ACSCurrent; each claim takes the label from the one before, so lock
 * versions never accumulate stages (one label of the 8 allowed, at most one
 * labelled version of the 10 kept) and the old claims, having no stage, are
 * the first versions KMS deletes when it needs room: ACSPrevious is never
 * pushed out by the lock. The engine removes the label when the rotation it
 * took over finishes.
 *
 * A holder that stops on an error it caught (a webhook answering 500, a
 * refused login, its deadline near) gives the lease up: it tags the secret
 * `rotor:lease-released` with the id of the version whose CreateTime
 * started its lease (the pending version, or its newest claim), in the
 * same TagResource that records the failure. Its pending version stays, so
 * the next invocation (FC's async retry, the next `rotor rotate`) takes
 * the rotation over at once and carries the same value on, instead of
 * being refused until the lease ends. The tag names one lease: the
 * takeover's claim starts a new one, which the tag no longer matches. A
 * holder that dies, or whose keys expired, writes nothing and keeps the
 * lease, as before.
 *
 * An emergency rotation does not take over a live lease: the holder is
 * already replacing the value, and two invocations working on one target at
 * once is exactly what the lock prevents. It is refused with the lease's
 * expiry, like any other invocation, and takes over as soon as the lease
 * ends if the holder crashed.
 *
 * Any pending version is a rotation in progress, whoever wrote it: Rotor,
 * a person or another tool (any id), or Rotor for an ACSCurrent that has
 * changed since. Its value may already be on the target, so a new
 * rotation never stores over it (a PutSecretValue under the pending stage
 * would move the stage off it without a word). An invocation reads the
 * versions beside ACSCurrent when it starts, and a pending version it
 * finds holds the lock exactly like Rotor's own: refused while its lease
 * runs, taken over after, its value carried on when the rotator can read
 * it. When the rotator cannot, the invocation refuses, naming the version
 * and `rotor cancel`, and leaves it in place: only Rotor's own finish and
 * an explicit cancel remove a pending stage.
 *
 * A call that carries the token (an orchestrated step) acts for that
 * rotation and is not checked against the lease: the orchestrator runs one
 * step at a time, and each step first re-reads the stages.
 *
 * Limits, stated plainly: a holder must finish each step before its lease
 * ends (the engine checks before each step and stops cleanly otherwise); the
 * lease compares KMS's CreateTime with the caller's clock, so clocks must
 * agree to well within the lease; a reader stale by more rotations than KMS
 * keeps versions (10) could re-create a pruned id; a version another tool
 * puts under the pending stage between an invocation's read of the
 * versions and its PutSecretValue (while createValue runs) loses the stage
 * to it, since KMS offers no compare-and-set on stages.
 */
import { createHash } from "node:crypto";
import type { VersionSummary } from "@rotor/cloud-api";
import { LEASE_RELEASED_TAG } from "../contract/tags/engine-tags.ts";

const PENDING_PREFIX = "rotor-";
/** KMS's longest VersionId. */
const MAX_VERSION_ID_LENGTH = 64;
/** Room kept for a claim's number. */
const CLAIM_NUMBER_DIGITS = 6;

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 20);

/** The pending version id every invocation derives from the same ACSCurrent id. */
export function pendingVersionId(currentVersionId: string, attempt: number): string {
  return `${PENDING_PREFIX}${digestOf(currentVersionId)}-${attempt}`;
}

/** The first attempt whose id is not yet taken by an earlier, cancelled rotation. */
export function nextPendingAttempt(
  currentVersionId: string,
  existing: readonly VersionSummary[],
): number {
  const ids = new Set(existing.map((version) => version.versionId));
  let attempt = 1;
  while (ids.has(pendingVersionId(currentVersionId, attempt))) attempt++;
  return attempt;
}

/** True for the ids Rotor gives its pending versions (pendingVersionId). */
export function isRotorPendingId(versionId: string): boolean {
  return /^rotor-[0-9a-f]{20}-\d+$/.test(versionId);
}

/**
 * What every claim on a pending version's lease starts with: its id and
 * `.lease-`, or, for an id too long to leave room for the claim number
 * within KMS's 64 characters (another tool's), a digest of it.
 */
function leaseClaimPrefix(pendingId: string): string {
  const plain = `${pendingId}.lease-`;
  if (plain.length + CLAIM_NUMBER_DIGITS <= MAX_VERSION_ID_LENGTH) return plain;
  return `${PENDING_PREFIX}${digestOf(pendingId)}.lease-`;
}

export function leaseClaimId(pendingId: string, claim: number): string {
  return `${leaseClaimPrefix(pendingId)}${claim}`;
}

export interface LeaseClaimData {
  holder: string;
  emergency: boolean;
}

export interface LeaseState {
  /** Epoch ms the lease started: the newest claim's CreateTime, else the pending version's. */
  startedAt: number;
  expiresAt: number;
  /** The highest claim number seen (0: never taken over). */
  lastClaim: number;
  /** Id of the version whose CreateTime started the lease. */
  heldBy: string;
  /** The holder stopped on an error and gave this lease up (tag rotor:lease-released). */
  released: boolean;
}

/**
 * The lease on a pending version, from a ListSecretVersionIds answer
 * (deprecated versions included) and the secret's tags.
 */
export function leaseOf(
  pending: VersionSummary,
  versions: readonly VersionSummary[],
  leaseMs: number,
  tags: Readonly<Record<string, string>> = {},
): LeaseState {
  let startedAt = Date.parse(pending.createTime);
  let lastClaim = 0;
  let heldBy = pending.versionId;
  const prefix = leaseClaimPrefix(pending.versionId);
  for (const version of versions) {
    if (!version.versionId.startsWith(prefix)) continue;
    const claim = Number(version.versionId.slice(prefix.length));
    if (!Number.isInteger(claim) || claim <= lastClaim) continue;
    lastClaim = claim;
    heldBy = version.versionId;
    startedAt = Math.max(startedAt, Date.parse(version.createTime));
  }
  return {
    startedAt,
    expiresAt: startedAt + leaseMs,
    lastClaim,
    heldBy,
    released: tags[LEASE_RELEASED_TAG] === heldBy,
  };
}

/** True while the lease keeps other invocations out: not given up, and not run out. */
export function leaseRunning(lease: LeaseState, now: number): boolean {
  return !lease.released && now < lease.expiresAt;
}

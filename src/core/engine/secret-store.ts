/**
 * What the engine keeps on a secret in KMS, and nothing else: its
 * versions and their stages, the pending version stored as a
 * compare-and-set (which is the rotation lock, rotation-lock.ts), lease
 * claims and their label, the revoke marker (revoke-marker.ts), and the
 * tags that record a rotation, a failure or an ended grace period.
 *
 * It also counts the KMS request ids, for the audit lines and the events:
 * every call goes through its one client, which runs the crash hook
 * (`beforeExternalCall`) first.
 */
import {
  ApiError,
  KmsClient,
  type KmsClientOptions,
  type SecretValue,
  type VersionSummary,
} from "@rotor/cloud-api";
import { describeError } from "../contract/describe-error.ts";
import type { BeforeExternalCall } from "../contract/rotator-contract.ts";
import { ACS_CURRENT, ACS_PREVIOUS, LEASE_STAGE, REVOKE_STAGE } from "../contract/stages.ts";
import {
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  REVOKE_PENDING_TAG,
} from "../contract/tags/engine-tags.ts";
import { GRACE_ENDED_TAG } from "../contract/tags/grace-period.ts";
import { OUTCOME_TAGS } from "../contract/tags/outcome-tags.ts";
import { ROTATED_TAG, recordValue, versionDigest } from "../contract/tags/rotation-record.ts";
import type { JsonLogger } from "./json-logger.ts";
import { removePendingStage, switchToPending } from "./stage-switch.ts";

/** Tags that say a rotation failed; a later successful rotation removes them all. */
export const FAILURE_RECORD_TAGS = [
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  OUTCOME_TAGS.status,
  OUTCOME_TAGS.lastError,
  OUTCOME_TAGS.lastAttempt,
] as const;

export interface SecretStoreOptions {
  /** Where and as whom KMS is called. */
  kms: KmsClientOptions;
  /** Runs before every KMS call: tests inject crashes here. */
  beforeExternalCall?: BeforeExternalCall | undefined;
  /** Where a record left unwritten is reported. */
  log: JsonLogger;
  /** Key of the rotation record (scheduler/rotation-record.ts); none: no record is written. */
  recordKey: Buffer | undefined;
}

export class SecretStore {
  /** The client every call goes through; rotators get it as `ctx.kms`. */
  readonly kms: KmsClient;
  private readonly log: JsonLogger;
  private readonly recordKey: Buffer | undefined;
  /** Request ids of the KMS calls made since the last audit line. */
  private stepRequestIds: string[] = [];
  /** Request ids of the KMS calls made since the invocation began, for its events. */
  private invocationRequestIds: string[] = [];

  constructor(options: SecretStoreOptions) {
    this.log = options.log;
    this.recordKey = options.recordKey;
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
            this.stepRequestIds.push(outcome.requestId);
            this.invocationRequestIds.push(outcome.requestId);
          }
          outer?.after?.(call, outcome);
        },
      },
    });
  }

  // ---- request ids ------------------------------------------------------------

  /** The request ids since the last call of this (for one audit line), and a fresh count. */
  takeStepRequestIds(): string[] {
    const ids = this.stepRequestIds;
    this.stepRequestIds = [];
    return ids;
  }

  /** Starts counting an invocation's request ids afresh. */
  beginInvocation(): void {
    this.invocationRequestIds = [];
  }

  /** The request ids since the invocation began. */
  requestIdsOfInvocation(): string[] {
    return [...this.invocationRequestIds];
  }

  // ---- reading ------------------------------------------------------------------

  /** The secret's type and its tags as a record. */
  async describe(
    secretName: string,
  ): Promise<{ secretType: string; tags: Record<string, string> }> {
    const description = await this.kms.describeSecret({ secretName, fetchTags: true });
    const tags = Object.fromEntries(description.tags.map((tag) => [tag.key, tag.value]));
    return { secretType: description.secretType, tags };
  }

  readStage(secretName: string, versionStage: string): Promise<SecretValue> {
    return this.kms.getSecretValue({ secretName, versionStage });
  }

  readVersion(secretName: string, versionId: string): Promise<SecretValue> {
    return this.kms.getSecretValue({ secretName, versionId });
  }

  /** ACSPrevious, or undefined when the secret has none. */
  async readPrevious(secretName: string): Promise<SecretValue | undefined> {
    try {
      return await this.readStage(secretName, ACS_PREVIOUS);
    } catch (error) {
      if (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound")
        return undefined;
      throw error;
    }
  }

  /**
   * ACSCurrent, read ahead. Its failure surfaces where it is awaited; until
   * then (or if loading fails first and it never is) it must not count as
   * an unhandled rejection.
   */
  readCurrentAhead(secretName: string): Promise<SecretValue> {
    const read = this.readStage(secretName, ACS_CURRENT);
    read.catch(() => undefined);
    return read;
  }

  /** Every version with its stages and creation time, lease claims included; read ahead like ACSCurrent. */
  readVersionsAhead(secretName: string): Promise<VersionSummary[]> {
    const read = this.listVersions(secretName, true);
    read.catch(() => undefined);
    return read;
  }

  /** The versions and their stages; `includeDeprecated` adds the ones without a stage (lease claims, abandoned pendings). */
  async listVersions(secretName: string, includeDeprecated?: boolean): Promise<VersionSummary[]> {
    const { versions } = await this.kms.listSecretVersionIds(
      includeDeprecated ? { secretName, includeDeprecated } : { secretName },
    );
    return versions;
  }

  // ---- the pending version, the claims, the stages ----------------------------

  /**
   * PutSecretValue as compare-and-set: true when the version is ours, false
   * when the id was taken. It stores a pending version (the rotation lock)
   * or a lease claim.
   */
  async putIfAbsent(
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

  /** Takes the pending stage off a version that carries it (see stage-switch.ts). */
  removePendingStage(
    secretName: string,
    versionId: string,
    stages: readonly string[],
    pendingStage: string,
  ): Promise<void> {
    return removePendingStage(this.kms, secretName, versionId, stages, pendingStage);
  }

  /** finishSecret's three stage moves, in their crash-safe order (stage-switch.ts). */
  switchToPending(input: Parameters<typeof switchToPending>[1]): Promise<void> {
    return switchToPending(this.kms, input);
  }

  /** The lease label off a takeover's claim. Harmless if left: a later takeover moves it on. */
  async removeClaimLabel(secretName: string, claimId: string): Promise<void> {
    await this.kms
      .updateSecretVersionStage({
        secretName,
        versionStage: LEASE_STAGE,
        removeFromVersion: claimId,
      })
      .catch((error: unknown) => {
        this.log.warn("lease-label-left", { secret: secretName, error: describeError(error) });
      });
  }

  // ---- the revoke marker (revoke-marker.ts) ---------------------------------------

  /**
   * The marker of a leaked version: the RotorRevoke label unless it has it,
   * then the tag naming it unless the tag already does.
   */
  async markLeak(
    secretName: string,
    leaked: SecretValue,
    taggedMarker: string | undefined,
  ): Promise<void> {
    if (!leaked.versionStages.includes(REVOKE_STAGE)) {
      await this.kms.updateSecretVersionStage({
        secretName,
        versionStage: REVOKE_STAGE,
        moveToVersion: leaked.versionId,
      });
    }
    if (taggedMarker !== leaked.versionId) {
      await this.kms.tagResource({
        secretName,
        tags: [{ key: REVOKE_PENDING_TAG, value: leaked.versionId }],
      });
    }
  }

  /**
   * The label comes off first: a tag left alone by a crash names a version
   * without it, which the next invocation drops as unproven.
   *
   * @param labelled the version carrying the RotorRevoke label, or false when none does.
   */
  async removeRevokeMarker(secretName: string, labelled: string | false): Promise<void> {
    if (labelled !== false) {
      // A rival may have removed it already (InvalidParameter): nothing left to do then.
      await removePendingStage(this.kms, secretName, labelled, [REVOKE_STAGE], REVOKE_STAGE);
    }
    await this.kms.untagResource({ secretName, tagKeys: [REVOKE_PENDING_TAG] });
  }

  // ---- records on the secret's tags -----------------------------------------------

  /** `rotor:grace-ended`: the ACSPrevious version whose grace period Rotor ended. */
  async recordGraceEnded(secretName: string, previousVersionId: string): Promise<void> {
    await this.kms.tagResource({
      secretName,
      tags: [{ key: GRACE_ENDED_TAG, value: previousVersionId }],
    });
  }

  /**
   * The rotation record for the scheduler (rotation-record.ts), when the
   * deployment set a record key. A record left unwritten only costs the
   * scheduler one read, so a failure is logged and goes no further.
   */
  async recordRotation(
    secretName: string,
    record: { rotatedAt: number; previousVersionId: string | undefined },
  ): Promise<void> {
    if (this.recordKey === undefined) return;
    const value = recordValue(this.recordKey, secretName, {
      rotatedAt: record.rotatedAt,
      previousDigest:
        record.previousVersionId === undefined
          ? undefined
          : versionDigest(record.previousVersionId),
    });
    try {
      await this.kms.tagResource({ secretName, tags: [{ key: ROTATED_TAG, value }] });
    } catch (error) {
      this.log.warn("rotation-record-left", { secret: secretName, error: describeError(error) });
    }
  }

  /** True when the deployment keeps a rotation record. */
  get keepsRecord(): boolean {
    return this.recordKey !== undefined;
  }

  /**
   * A failure on the secret's tags (`rotor:last-failure`) and the lease
   * given up (`rotor:lease-released`), in one call. Best effort: the
   * failure itself is what the caller must see. True when written.
   */
  async recordFailure(
    secretName: string,
    record: { lastFailure: string | undefined; releasedLease: string | undefined },
  ): Promise<boolean> {
    const tags: { key: string; value: string }[] = [];
    if (record.lastFailure !== undefined) {
      tags.push({ key: LAST_FAILURE_TAG, value: record.lastFailure });
    }
    if (record.releasedLease !== undefined) {
      tags.push({ key: LEASE_RELEASED_TAG, value: record.releasedLease });
    }
    if (tags.length === 0) return false;
    try {
      await this.kms.tagResource({ secretName, tags });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A rotation went through after a recorded failure: the records (the
   * engine's per-attempt tag, and the final outcome the onFailure function
   * wrote) no longer describe the secret.
   */
  async clearFailure(secretName: string): Promise<void> {
    try {
      await this.kms.untagResource({ secretName, tagKeys: [...FAILURE_RECORD_TAGS] });
    } catch (error) {
      this.log.warn("failure-record-left", { secret: secretName, error: describeError(error) });
    }
  }
}

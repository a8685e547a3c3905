/**
 * What one engine invocation announces (src/core/contract/rotor-events.ts): the
 * engine tells the trail what it learns (the rotator, the versions) and
 * what happens (started, taken over, revoked, succeeded, failed, a grace
 * period ended); the trail turns that into events for the sink it was
 * given, or does nothing without one.
 *
 * Which failures count: those of a rotation. A dry run, a grace ending
 * (the onFailure function records and reports those), and a rotation
 * another one holds (RotationBlockedError: it is not this one's failure,
 * and an emergency waits on it) publish no `failed` event.
 */
import { ApiError } from "@rotor/cloud-api";
import { RotationBlockedError } from "../contract/rotation-errors.ts";
import type { Step } from "../contract/rotator-contract.ts";
import {
  ROTOR_EVENT_TYPES,
  type RotationEventData,
  type RotorEventSink,
  type TakenOverEventData,
} from "../contract/rotor-events.ts";
import { scrubUntrustedText } from "../contract/untrusted-text.ts";

export interface RotationEventTrailOptions {
  sink: RotorEventSink | undefined;
  secretName: string;
  emergency: boolean;
  /** Dry runs and grace endings announce no rotation. */
  rotates: boolean;
  now: () => number;
  /** When the invocation began. */
  startedAt: number;
  /** KMS request ids of the invocation so far. */
  requestIds: () => string[];
}

export class RotationEventTrail {
  /** The rotator kind, once the tags are read. */
  rotator = "";
  /** True once the invocation knows it rotates as an emergency (a revoke marker can make it one). */
  emergency: boolean;
  /** The ACSCurrent version the rotation replaces. */
  previousVersionId: string | undefined;
  /** The rotation's token. */
  versionId: string | undefined;
  private readonly options: RotationEventTrailOptions;

  constructor(options: RotationEventTrailOptions) {
    this.options = options;
    this.emergency = options.emergency;
  }

  /** The rotation's versions, as the engine learns them. */
  versions(previousVersionId: string, versionId: string): void {
    this.previousVersionId = previousVersionId;
    this.versionId = versionId;
  }

  started(): void {
    this.publish(ROTOR_EVENT_TYPES.started, this.rotationData());
  }

  takenOver(details: Omit<TakenOverEventData, keyof RotationEventData>): void {
    this.publish(ROTOR_EVENT_TYPES.takenOver, { ...this.rotationData(), ...details });
  }

  emergencyRevoked(revokedVersionId: string, currentVersionId: string, resumed: boolean): void {
    this.publish(ROTOR_EVENT_TYPES.emergencyRevoked, {
      ...this.rotationData(),
      emergency: true,
      versionId: currentVersionId,
      previousVersionId: revokedVersionId,
      revokedVersionId,
      resumed,
    });
  }

  succeeded(result: { versionId: string; steps: Step[]; resumed: boolean }): void {
    if (!this.options.rotates) return;
    this.publish(ROTOR_EVENT_TYPES.succeeded, {
      ...this.rotationData(),
      versionId: result.versionId,
      steps: result.steps,
      resumed: result.resumed,
    });
  }

  failed(step: Step | "load", error: unknown): void {
    if (!this.options.rotates || error instanceof RotationBlockedError) return;
    this.publish(ROTOR_EVENT_TYPES.failed, {
      ...this.rotationData(),
      step,
      errorType: error instanceof Error ? error.name : typeof error,
      // A code, not a message; a hostile endpoint may still have chosen it.
      ...(error instanceof ApiError
        ? { errorCode: scrubUntrustedText(error.code, { maxLength: 128 }) }
        : {}),
    });
  }

  graceEnded(previousVersionId: string, currentVersionId: string): void {
    this.publish(ROTOR_EVENT_TYPES.graceEnded, {
      secretName: this.options.secretName,
      rotator: this.rotator,
      previousVersionId,
      versionId: currentVersionId,
      durationMs: this.options.now() - this.options.startedAt,
      requestIds: this.options.requestIds(),
    });
  }

  private rotationData(): RotationEventData {
    return {
      secretName: this.options.secretName,
      rotator: this.rotator,
      ...(this.versionId !== undefined ? { versionId: this.versionId } : {}),
      ...(this.previousVersionId !== undefined
        ? { previousVersionId: this.previousVersionId }
        : {}),
      emergency: this.emergency,
      durationMs: this.options.now() - this.options.startedAt,
      requestIds: this.options.requestIds(),
    };
  }

  private publish<T extends (typeof ROTOR_EVENT_TYPES)[keyof typeof ROTOR_EVENT_TYPES]>(
    type: T,
    data: unknown,
  ): void {
    this.options.sink?.publish({
      type,
      secretName: this.options.secretName,
      time: this.options.now(),
      data,
    } as Parameters<RotorEventSink["publish"]>[0]);
  }
}

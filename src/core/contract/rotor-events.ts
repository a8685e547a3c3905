/**
 * The events Rotor publishes (docs/events.md): their types, in the
 * reverse-DNS style EventBridge rules match on, and the data each carries.
 * Every event's source is `rotor` and its subject the secret's name.
 *
 * Data names the secret, its rotator, version ids, the step, durations,
 * KMS request ids and error types: never a value, and never an error's
 * message (a target's words can quote anything). Text a tag's writer
 * chose (tag values) is scrubbed before it is put in (src/core/contract/untrusted-text.ts).
 */
import type { Step } from "./rotator-contract.ts";

/** What a weakening tag does to a secret (src/core/scheduler/tag-weakenings.ts). */
export type WeakeningEffect = "off" | "weakened" | "bounded" | "refused";

/** The CloudEvents `source` of every event Rotor publishes. */
export const ROTOR_EVENT_SOURCE = "rotor";

export const ROTOR_EVENT_TYPES = {
  /** This invocation stored the new version under the pending stage and holds the rotation. */
  started: "rotor.rotation.started",
  /** The new version is ACSCurrent. */
  succeeded: "rotor.rotation.succeeded",
  /** A rotation (or one orchestrated step) failed. */
  failed: "rotor.rotation.failed",
  /** A pending version from an expired or released lease, or stored by another writer, was taken over. */
  takenOver: "rotor.rotation.taken-over",
  /** An emergency rotation revoked the leaked value on the target. */
  emergencyRevoked: "rotor.rotation.emergency-revoked",
  /** The ACSPrevious value's grace period was ended on the target. */
  graceEnded: "rotor.grace-period.ended",
  /** The last successful rotation is older than the secret's policy allows. */
  overdue: "rotor.rotation.overdue",
  /** A tag turned the secret's scheduled rotation off. */
  disabled: "rotor.rotation.disabled",
  /** Tags weaken the secret's rotation (or will make it refused). */
  weakened: "rotor.rotation.weakened",
} as const;

export type RotorEventType = (typeof ROTOR_EVENT_TYPES)[keyof typeof ROTOR_EVENT_TYPES];

/** What every event's data holds. */
export interface RotorEventBase {
  secretName: string;
  /** The `rotor:rotator` kind; empty when the rotation failed before the tag was read. */
  rotator: string;
}

/** Rotation events: the rotation's versions and what this invocation did. */
export interface RotationEventData extends RotorEventBase {
  /** The rotation's token: the new version's id. */
  versionId?: string | undefined;
  /** The ACSCurrent version the rotation replaces. */
  previousVersionId?: string | undefined;
  emergency: boolean;
  /** Milliseconds since the invocation began. */
  durationMs: number;
  /** KMS request ids of the calls this invocation made so far. */
  requestIds: string[];
}

export interface FailedEventData extends RotationEventData {
  /** The step that failed, or `load` (reading the secret and its tags). */
  step: Step | "load";
  /** The error's class, e.g. `TestFailedError`, `ApiError`, `DeadlineError`. */
  errorType: string;
  /** For a cloud API's refusal, its code (e.g. `Forbidden.NoPermission`). */
  errorCode?: string | undefined;
}

export interface TakenOverEventData extends RotationEventData {
  /** False when the pending version was stored outside Rotor. */
  writtenByRotor: boolean;
  /** Set when the holder gave its lease up after a failure. */
  leaseReleasedAfterFailure?: boolean | undefined;
  /** When the abandoned lease ran out (RFC 3339), when it ran out rather than being given up. */
  abandonedLeaseExpiredAt?: string | undefined;
}

export interface SucceededEventData extends RotationEventData {
  /** The steps this invocation ran. */
  steps: Step[];
  /** True when it carried on a rotation another invocation left. */
  resumed: boolean;
}

export interface EmergencyRevokedEventData extends RotationEventData {
  /** The leaked version whose value was revoked. */
  revokedVersionId: string;
  /** True when an earlier invocation's revoke was finished by this one. */
  resumed: boolean;
}

export interface GraceEndedEventData extends RotorEventBase {
  /** The ACSPrevious version whose value is no longer usable. */
  previousVersionId: string;
  /** The ACSCurrent version. */
  versionId: string;
  durationMs: number;
  requestIds: string[];
}

export interface OverdueEventData extends RotorEventBase {
  /** The function that rotates it. */
  functionName: string;
  /** The ACSCurrent version, whose creation was the last rotation. */
  versionId: string;
  /** RFC 3339 times: the last rotation, when it fell due, when it became overdue. */
  lastRotation: string;
  dueAt: string;
  overdueAt: string;
}

export interface WeakenedEventData extends RotorEventBase {
  /** The ACSCurrent version when the tags were found. */
  versionId: string;
  /** Each tag, its value (scrubbed), what it does and how. */
  weakenings: { tag: string; value: string; effect: WeakeningEffect; says: string }[];
}

interface EventOf<T extends RotorEventType, D> {
  type: T;
  secretName: string;
  /** Epoch ms when it happened. */
  time: number;
  /**
   * The CloudEvent id; absent: a random one. A report the scheduler may
   * repeat gets an id derived from what it reports, so a bus that keeps
   * one event per source and id keeps it once.
   */
  id?: string | undefined;
  data: D;
}

export type RotorEvent =
  | EventOf<typeof ROTOR_EVENT_TYPES.started, RotationEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.succeeded, SucceededEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.failed, FailedEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.takenOver, TakenOverEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.emergencyRevoked, EmergencyRevokedEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.graceEnded, GraceEndedEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.overdue, OverdueEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.disabled, WeakenedEventData>
  | EventOf<typeof ROTOR_EVENT_TYPES.weakened, WeakenedEventData>;

/**
 * Where Rotor's code hands its events. `publish` returns at once and never
 * throws: a rotation must not wait on, or fail by, its announcement. The
 * owner of the sink waits for delivery at the end (EventBusPublisher.flush).
 */
export interface RotorEventSink {
  publish(event: RotorEvent): void;
}

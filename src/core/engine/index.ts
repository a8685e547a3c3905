/**
 * `@rotor/core/engine`: the rotation engine (the four steps, resume, claims and leases, emergencies, dry runs, grace periods) and what it records on a secret.
 */

export * from "../contract/rotation-errors.ts";
export * from "../contract/stages.ts";
export {
  DEFAULT_ENGINE_CONFIG,
  type EngineConfig,
  engineConfigFromTags,
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  LEASE_TAG,
  REVOKE_PENDING_TAG,
  ROTATOR_TAG,
  rotorTags,
  TAG_PREFIX,
} from "../contract/tags/engine-tags.ts";
export {
  GRACE_ENDED_TAG,
  GRACE_PERIOD_TAG,
  type GracePeriod,
  type GraceState,
  parseDuration,
  parseGracePeriod,
  readGraceState,
} from "../contract/tags/grace-period.ts";
export * from "./cancel-rotation.ts";
export * from "./json-logger.ts";
export * from "./revoke-marker.ts";
export * from "./rotation-engine.ts";
export * from "./rotation-event-trail.ts";
export * from "./rotation-lock.ts";
export * from "./stage-switch.ts";

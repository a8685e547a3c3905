/**
 * `@rotor/core/engine`: the rotation engine (the four steps, resume, claims and leases, emergencies, dry runs, grace periods) and what it records on a secret.
 */

export * from "../contract/rotation-errors.ts";
export * from "../contract/stages.ts";
export * from "../contract/tags/engine-tags.ts";
export * from "../contract/tags/grace-period.ts";
export * from "./cancel-rotation.ts";
export * from "./json-logger.ts";
export * from "./revoke-marker.ts";
export * from "./rotation-engine.ts";
export * from "./rotation-event-trail.ts";
export * from "./rotation-lock.ts";
export * from "./stage-switch.ts";

/**
 * `@rotor/core`: the rotator contract, what a rotator of your own is written
 * against. `defineRotator` and the value codecs, the context a rotator
 * receives, the deploy policy it must respect (what the function's
 * environment allows: targets, instances, password strength), reading a
 * privileged secret, the version stages, the trust-boundary errors and the
 * errors a rotation may stop with, and the error hierarchy.
 *
 * The rest of the package is reached by subpath, so that a function's
 * bundle carries only what it names:
 * - `@rotor/core/rotators/<kind>`: each built-in rotator; `@rotor/core/rotators`: all of them by kind
 * - `@rotor/core/functions`: the FC handlers (`createRotationHandler`, …);
 *   `@rotor/core/functions/<name>`: each built-in function's handler
 * - `@rotor/core/engine`, `@rotor/core/scheduler`: the rotation engine and the scheduler
 * - `@rotor/core/notify`: rotation events, their EventBridge publisher, the webhook notifier
 * - `@rotor/core/audit`: every secret of an account judged, and its reports
 * - `@rotor/core/cloud-api`: the Alibaba Cloud API clients (`@rotor/cloud-api`)
 */
export {
  ApiError,
  ConfigError,
  NetworkError,
  PolicyError,
  RotorError,
  ValidationError,
} from "@rotor/cloud-api";
export * from "./contract/deploy-policy.ts";
export * from "./contract/event-bus.ts";
export * from "./contract/password-floor.ts";
export * from "./contract/privileged-secret.ts";
export * from "./contract/rotation-errors.ts";
export * from "./contract/rotator-cloud.ts";
export * from "./contract/rotator-contract.ts";
export * from "./contract/stages.ts";
export * from "./contract/trust-boundary-errors.ts";
export * from "./contract/untrusted-text.ts";

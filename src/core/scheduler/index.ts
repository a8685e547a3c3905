/**
 * `@rotor/core/scheduler`: which secrets are due and why (rotation policies, cron, time zones), the plan (page by page from the listing, with each secret's rotation record), the fan-out to the rotation functions spread over their windows, grace endings and reports of weakened tags and overdue secrets.
 */
export * from "../contract/schedule/cron.ts";
export * from "../contract/schedule/due.ts";
export * from "../contract/schedule/duration.ts";
export * from "../contract/schedule/time-zone.ts";
export { ROTATOR_TAG } from "../contract/tags/engine-tags.ts";
export {
  boundedError,
  OUTCOME_TAGS,
  type RotationStatus,
  recordOutcome,
} from "../contract/tags/outcome-tags.ts";
export { OVERDUE_REPORTED_TAG, WEAKENING_REPORTED_TAG } from "../contract/tags/report-tags.ts";
export {
  DEFAULT_WINDOW_MS,
  FUNCTION_TAG,
  isPolicyProblem,
  POLICY_TAGS,
  type PolicyProblem,
  type RotationPolicy,
  readRotationPolicy,
  type Tags,
} from "../contract/tags/rotation-policy.ts";
export {
  RECORD_CLOCK_SKEW_MS,
  RECORD_KEY_ENV,
  ROTATED_TAG,
  type RotationRecord,
  readRecord,
  recordKeyFromEnv,
  recordValue,
  versionDigest,
} from "../contract/tags/rotation-record.ts";
export * from "./fan-out.ts";
export * from "./fc-client.ts";
export * from "./grace-endings.ts";
export * from "./overdue.ts";
export * from "./overdue-reports.ts";
export * from "./plan.ts";
export * from "./plan-pages.ts";
export * from "./rate-limiter.ts";
export * from "./rotation-spread.ts";
export * from "./run-scheduler.ts";
export * from "./scheduler-run-failure.ts";
export * from "./tag-weakenings.ts";
export * from "./unwritten-records.ts";
export * from "./weakening-reports.ts";

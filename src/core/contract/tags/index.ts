/**
 * Every `rotor:*` tag Rotor itself reads or writes, with the zod schema its
 * value is read through: the one place to look for the vocabulary a
 * secret's tags speak (docs/tags.md describes each). Each concern keeps its
 * file (the engine's, the grace period, the rotation policy, the rotation
 * record, the outcome, the scheduler's reports); a built-in rotator's own
 * tags are its config schema, in its folder, since a rotator of a new
 * family brings its own.
 */
import type { z } from "zod";
import {
  LAST_FAILURE_TAG,
  LEASE_RELEASED_TAG,
  LEASE_TAG,
  lastFailureTagSchema,
  leaseReleasedTagSchema,
  leaseTagSchema,
  PENDING_STAGE_TAG,
  pendingStageTagSchema,
  REVOKE_PENDING_TAG,
  ROTATOR_TAG,
  revokePendingTagSchema,
  rotatorTagSchema,
  TEST_ATTEMPTS_TAG,
  testAttemptsTagSchema,
} from "./engine-tags.ts";
import {
  GRACE_ENDED_TAG,
  GRACE_PERIOD_TAG,
  graceEndedTagSchema,
  gracePeriodTagSchema,
} from "./grace-period.ts";
import {
  lastAttemptTagSchema,
  lastErrorTagSchema,
  statusTagSchema,
} from "./outcome-tag-schemas.ts";
import { OUTCOME_TAGS } from "./outcome-tags.ts";
import {
  OVERDUE_REPORTED_TAG,
  overdueReportedTagSchema,
  WEAKENING_REPORTED_TAG,
  weakeningReportedTagSchema,
} from "./report-tags.ts";
import {
  enabledTagSchema,
  FUNCTION_TAG,
  functionTagSchema,
  intervalTagSchema,
  POLICY_TAGS,
  scheduleTagSchema,
  timezoneTagSchema,
  windowTagSchema,
} from "./rotation-policy.ts";
import { ROTATED_TAG, rotatedTagSchema } from "./rotation-record.ts";

export * from "./engine-tags.ts";
export * from "./grace-period.ts";
export * from "./outcome-tag-schemas.ts";
export * from "./outcome-tags.ts";
export * from "./report-tags.ts";
export * from "./rotation-policy.ts";
export * from "./rotation-record.ts";
export * from "./tag-value.ts";

/** Each tag key Rotor reads or writes, and the schema its value is read through. */
export const ROTOR_TAGS: Readonly<Record<`rotor:${string}`, z.ZodType<unknown, string>>> = {
  // Which rotator, and how the engine runs it.
  [ROTATOR_TAG]: rotatorTagSchema,
  [PENDING_STAGE_TAG]: pendingStageTagSchema,
  [LEASE_TAG]: leaseTagSchema,
  [TEST_ATTEMPTS_TAG]: testAttemptsTagSchema,
  // What the engine records: failures, released leases, emergencies.
  [LAST_FAILURE_TAG]: lastFailureTagSchema,
  [LEASE_RELEASED_TAG]: leaseReleasedTagSchema,
  [REVOKE_PENDING_TAG]: revokePendingTagSchema,
  // The previous value's grace period.
  [GRACE_PERIOD_TAG]: gracePeriodTagSchema,
  [GRACE_ENDED_TAG]: graceEndedTagSchema,
  // When the scheduler rotates the secret, and through which function.
  [POLICY_TAGS.enabled]: enabledTagSchema,
  [POLICY_TAGS.interval]: intervalTagSchema,
  [POLICY_TAGS.schedule]: scheduleTagSchema,
  [POLICY_TAGS.window]: windowTagSchema,
  [POLICY_TAGS.timezone]: timezoneTagSchema,
  [FUNCTION_TAG]: functionTagSchema,
  // The last rotation and its outcome.
  [ROTATED_TAG]: rotatedTagSchema,
  [OUTCOME_TAGS.status]: statusTagSchema,
  [OUTCOME_TAGS.lastAttempt]: lastAttemptTagSchema,
  [OUTCOME_TAGS.lastError]: lastErrorTagSchema,
  // What the scheduler has reported.
  [WEAKENING_REPORTED_TAG]: weakeningReportedTagSchema,
  [OVERDUE_REPORTED_TAG]: overdueReportedTagSchema,
};

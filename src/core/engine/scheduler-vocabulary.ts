/**
 * What the engine still takes from the scheduler's folder: how a duration
 * is written, the outcome tags the onFailure function writes (a rotation
 * that goes through clears them), and the rotation record the engine
 * writes for the scheduler. All of it belongs in contract/ with the other
 * `rotor:*` tags; until it moves, the engine reaches the scheduler
 * through this one file.
 */
export { formatDuration } from "../scheduler/duration.ts";
export { OUTCOME_TAGS } from "../scheduler/outcome-tags.ts";
export {
  RECORD_CLOCK_SKEW_MS,
  ROTATED_TAG,
  recordKeyFromEnv,
  recordValue,
  versionDigest,
} from "../scheduler/rotation-record.ts";

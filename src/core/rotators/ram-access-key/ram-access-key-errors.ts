/**
 * Why a RAM AccessKey rotation cannot go on. Messages name the user, the
 * key ids and the reason, never a key's secret.
 */

import { RotorError } from "@rotor/cloud-api";
import { RotationBlockedError } from "../../contract/rotation-errors.ts";

/** The user has no free key slot, and no key may be removed yet; the message says which key blocks and why. */
export class AccessKeySlotsBusyError extends RotorError {
  override name = "AccessKeySlotsBusyError";
}

/** The RAM user, or a key the rotation relies on, is not (or no longer) there or usable. */
export class AccessKeyTargetError extends RotorError {
  override name = "AccessKeyTargetError";
}

/**
 * A key no version of the secret names yet, made a moment ago: an
 * invocation running now may be storing it, so it may not be removed yet.
 * The message names the key and when it may be removed as an orphan.
 */
export class AccessKeyInFlightError extends RotationBlockedError {
  override name = "AccessKeyInFlightError";
}

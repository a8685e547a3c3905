/**
 * Why a RAM AccessKey rotation cannot go on. Messages name the user, the
 * key ids and the reason, never a key's secret.
 */
import { RotorError } from "../../errors.ts";

/** The user has no free key slot, and no key may be removed yet; the message says which key blocks and why. */
export class AccessKeySlotsBusyError extends RotorError {
  override name = "AccessKeySlotsBusyError";
}

/** The RAM user, or a key the rotation relies on, is not (or no longer) there or usable. */
export class AccessKeyTargetError extends RotorError {
  override name = "AccessKeyTargetError";
}

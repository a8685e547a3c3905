/**
 * The invocation's deadline from `context.function.timeout` (seconds): FC
 * has no getRemainingTimeInMillis, so the time left comes from the
 * function's timeout. A reserve is kept so the engine stops a step cleanly
 * before FC kills the instance.
 */
import type { FcContext } from "./fc-context.ts";

/** Used when the context has no timeout (local runs). */
const DEFAULT_TIMEOUT_SECONDS = 300;
/** Kept back from the timeout. */
const RESERVE_MS = 3000;

/** Epoch ms by which the invocation's work must stop, from `started` (its clock's now). */
export function invocationDeadline(context: FcContext, started: number): number {
  const timeout = context.function?.timeout;
  const seconds = typeof timeout === "number" && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS;
  return started + seconds * 1000 - RESERVE_MS;
}

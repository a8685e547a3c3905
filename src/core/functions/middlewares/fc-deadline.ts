/**
 * The invocation's deadline from `context.function.timeout` (seconds): FC
 * has no getRemainingTimeInMillis, so middy's early timeout never fires
 * there. A reserve is kept so the engine stops a step cleanly before FC
 * kills the instance.
 */
import { type RotationMiddyRequest, state } from "./handler-state.ts";

export interface FcDeadlineOptions {
  /** Used when the context has no timeout (local runs). Default 300 s. */
  defaultTimeoutSeconds?: number;
  /** Kept back from the timeout. Default 3 s. */
  reserveMs?: number;
  now?: () => number;
}

export function fcDeadline(options: FcDeadlineOptions = {}) {
  const now = options.now ?? Date.now;
  const reserve = options.reserveMs ?? 3000;
  return {
    name: "rotor-fc-deadline",
    before(request: RotationMiddyRequest): void {
      const timeout = request.context?.function?.timeout;
      const seconds =
        typeof timeout === "number" && timeout > 0
          ? timeout
          : (options.defaultTimeoutSeconds ?? 300);
      state(request)["rotor.deadline"] = now() + seconds * 1000 - reserve;
    },
  };
}

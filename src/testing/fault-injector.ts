/**
 * Crash injection for rotation tests: a BeforeExternalCall hook that counts
 * every external call (KMS and the rotator's own) and, from the chosen one
 * on, throws as if the process had died there: that call and every later
 * one never happen.
 */
import type { BeforeExternalCall, ExternalCall } from "@rotor/core";

export class InjectedCrash extends Error {
  override name = "InjectedCrash";
}

export interface FaultInjector {
  hook: BeforeExternalCall;
  /** Every call seen, in order (those refused by the crash included). */
  calls: ExternalCall[];
  /** Whether the crash happened. */
  crashed(): boolean;
}

/** Crashes before the `crashAt`-th external call (1-based); undefined: never, only counts. */
export function faultInjector(crashAt?: number): FaultInjector {
  const calls: ExternalCall[] = [];
  let dead = false;
  return {
    calls,
    crashed: () => dead,
    hook(call) {
      calls.push(call);
      if (dead || (crashAt !== undefined && calls.length >= crashAt)) {
        dead = true;
        throw new InjectedCrash(
          `injected crash before external call ${calls.length} (${call.kind} ${call.name})`,
        );
      }
    },
  };
}

/**
 * Simulated process deaths for crash-and-resume tests: a hook for the
 * engine's `beforeExternalCall` that counts the external calls and, from a
 * chosen one on, throws as if the process had died just before it.
 */
import type { ExternalCall } from "../../src/core/contract/rotator-contract.ts";

/** Past every lease: the resuming invocation acts as a much later one. */
export const LATER = 24 * 60 * 60 * 1000;

export class Crash extends Error {
  override name = "Crash";
}

/** Counts external calls; from the `crashAt`-th on, throws as if the process had died. */
export function crashBefore(crashAt: number) {
  const calls: ExternalCall[] = [];
  return {
    calls,
    hook(call: ExternalCall) {
      calls.push(call);
      if (calls.length >= crashAt) throw new Crash(`crash before ${call.kind} ${call.name}`);
    },
  };
}

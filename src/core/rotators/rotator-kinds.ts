/**
 * The rotator kinds Rotor ships, and the FC function that runs each: the
 * one list every part of Rotor reads. It holds no rotator code, so the
 * scheduler and every function can import it for free.
 *
 * Where each kind's rotator comes from:
 * - `rotor rotate` and `rotor cancel` run any secret, so the CLI takes every
 *   built-in rotator from registry.ts, whose record is keyed by this list
 *   (a kind without a rotator there is a compile error).
 * - An FC function (functions/<name>/index.ts) imports its own rotator
 *   module and nothing else: esbuild puts into a bundle every module the
 *   entry can reach, `import()` targets included, so a function that
 *   imported the registry, even one of lazy loaders, would carry every
 *   rotator and driver. The function that runs a kind is named
 *   `functionForKind(kind)`; a test checks each one exists.
 * - The scheduler sends a secret to `rotor:function`, or else to
 *   `functionForKind` of its kind; a kind of a user's own needs
 *   `rotor:function`.
 */
import type { AnyRotator } from "../contract/rotator-contract.ts";

export const BUILT_IN_KINDS = [
  "generic",
  "mysql",
  "postgres",
  "ecs-password",
  "ecs-ssh-key",
  "ram-access-key",
  "redis",
] as const;

export type BuiltInKind = (typeof BUILT_IN_KINDS)[number];

export function isBuiltInKind(kind: string): kind is BuiltInKind {
  return (BUILT_IN_KINDS as readonly string[]).includes(kind);
}

/** The FC function that functions/ ships for a built-in kind. */
export function functionForKind(kind: BuiltInKind): string {
  return `rotate-${kind}`;
}

/**
 * Rotators by the kind a secret's `rotor:rotator` tag names, as the engine
 * looks them up. Two rotators of one kind are refused: which would run
 * would depend on their order.
 */
export function rotatorsByKind(
  rotators: readonly AnyRotator[],
): Readonly<Record<string, AnyRotator>> {
  const byKind: Record<string, AnyRotator> = {};
  for (const rotator of rotators) {
    if (rotator.kind in byKind) {
      throw new Error(`Rotator kind ${JSON.stringify(rotator.kind)} is registered twice`);
    }
    byKind[rotator.kind] = rotator;
  }
  return byKind;
}

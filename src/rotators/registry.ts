/**
 * The rotators Rotor ships, by the kind a secret names in its
 * `rotor:rotator` tag. The record's key type lists every built-in kind, so
 * a kind without a rotator is a compile error.
 */
import type { AnyRotator } from "./contract.ts";
import { ecsPasswordRotator } from "./ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "./ecs/ecs-ssh-key-rotator.ts";
import { genericRotator } from "./generic/generic-rotator.ts";
import { ramAccessKeyRotator } from "./ram-access-key/ram-access-key-rotator.ts";

export type BuiltInKind = "generic" | "ecs-password" | "ecs-ssh-key" | "ram-access-key";

export const BUILT_IN_ROTATORS: Readonly<Record<BuiltInKind, AnyRotator>> = {
  generic: genericRotator,
  "ecs-password": ecsPasswordRotator,
  "ecs-ssh-key": ecsSshKeyRotator,
  "ram-access-key": ramAccessKeyRotator,
};

/** The built-in rotators plus a user's own (a user's kind may not replace a built-in one). */
export function rotatorRegistry(
  extra: readonly AnyRotator[] = [],
): Readonly<Record<string, AnyRotator>> {
  const registry: Record<string, AnyRotator> = { ...BUILT_IN_ROTATORS };
  for (const rotator of extra) {
    if (rotator.kind in registry) {
      throw new Error(`Rotator kind ${JSON.stringify(rotator.kind)} is already registered`);
    }
    registry[rotator.kind] = rotator;
  }
  return registry;
}

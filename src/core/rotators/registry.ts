/**
 * Every rotator Rotor ships, by the kind a secret names in its
 * `rotor:rotator` tag: what `rotor rotate` and `rotor cancel` run. The
 * record is keyed by BUILT_IN_KINDS, so a kind without a rotator is a
 * compile error. Importing this module loads every rotator's code (each
 * loads its database or SSH driver only at its first login), which is why
 * an FC function names its own rotator instead: see rotator-kinds.ts.
 */
import type { AnyRotator } from "../contract/rotator-contract.ts";
import { mysqlRotator } from "./database/mysql-rotator.ts";
import { postgresRotator } from "./database/postgres-rotator.ts";
import { ecsPasswordRotator } from "./ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "./ecs/ecs-ssh-key-rotator.ts";
import { genericRotator } from "./generic/generic-rotator.ts";
import { ramAccessKeyRotator } from "./ram-access-key/ram-access-key-rotator.ts";
import { redisRotator } from "./redis/redis-rotator.ts";
import { type BuiltInKind, rotatorsByKind } from "./rotator-kinds.ts";

export const BUILT_IN_ROTATORS: Readonly<Record<BuiltInKind, AnyRotator>> = {
  generic: genericRotator,
  mysql: mysqlRotator,
  postgres: postgresRotator,
  "ecs-password": ecsPasswordRotator,
  "ecs-ssh-key": ecsSshKeyRotator,
  "ram-access-key": ramAccessKeyRotator,
  redis: redisRotator,
};

/** The built-in rotators plus a user's own (a user's kind may not replace a built-in one). */
export function rotatorRegistry(
  extra: readonly AnyRotator[] = [],
): Readonly<Record<string, AnyRotator>> {
  return rotatorsByKind([...Object.values(BUILT_IN_ROTATORS), ...extra]);
}

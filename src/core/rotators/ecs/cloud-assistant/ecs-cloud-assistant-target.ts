/**
 * The Cloud Assistant session a rotation step uses for a value's instance,
 * bounded by the step's deadline, and the check that a pending value still
 * names the current value's account and instance. Commands run as root on
 * any instance the function's role may reach, so only instances the
 * deployment lists (ROTOR_ECS_INSTANCES) get a session at all.
 */

import { PolicyError, ValidationError } from "@rotor/cloud-api";
import { allowsExactly, describeAllowed } from "../../../contract/deploy-policy.ts";
import type { RotatorContext } from "../../../contract/rotator-contract.ts";
import type { SshSession } from "../ecs-ssh-session.ts";
import type { EcsCloudAssistantClients } from "./ecs-cloud-assistant-clients.ts";
import {
  differingTargetFields,
  type InstanceTargetFields,
} from "./ecs-cloud-assistant-secret-value.ts";
import { cloudAssistantSession } from "./ecs-cloud-assistant-session.ts";

/**
 * A session on the value's instance through `clients` (default: the
 * invocation's ECS, ctx.cloud); a PolicyError, before any call, for an
 * instance not allowed.
 */
export function sessionOnInstance(
  value: InstanceTargetFields,
  clients: EcsCloudAssistantClients | undefined,
  ctx: RotatorContext<unknown>,
): SshSession {
  const allowed = ctx.policy.ecsInstances;
  if (!allowsExactly(allowed, value.InstanceId)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names ECS instance ${value.InstanceId}, where this function may not run commands (ROTOR_ECS_INSTANCES: ${describeAllowed(allowed)}); nothing was called`,
    );
  }
  return cloudAssistantSession({
    ecs: (clients ?? ctx.cloud).ecs(value.RegionId),
    instanceId: value.InstanceId,
    clock: { deadline: ctx.deadline, now: () => ctx.now() },
  });
}

export function checkSameInstance(
  current: InstanceTargetFields,
  pending: InstanceTargetFields,
  secretName: string,
): void {
  const differing = differingTargetFields(current, pending);
  if (differing.length > 0) {
    throw new ValidationError(
      `The pending value of secret ${secretName} differs from the current one in ${differing.join(", ")}: a rotation only changes the credential, refusing to apply it`,
    );
  }
}

/**
 * How a rotation step reaches the server a secret names, chosen in this one
 * place from the validated value: `host` means SSH, `InstanceId` means
 * Cloud Assistant (allowed only on the instances the deployment lists).
 * A rotation only changes the credential: a pending value naming another
 * account or server, or the same one reached another way, is refused.
 */
import { ValidationError } from "@rotor/cloud-api";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import type { EcsCloudAssistantClients } from "./cloud-assistant/ecs-cloud-assistant-clients.ts";
import { cloudAssistantHost } from "./cloud-assistant/ecs-cloud-assistant-host.ts";
import type { EcsHost } from "./ecs-host.ts";
import {
  INSTANCE_TARGET_FIELDS,
  type InstanceTargetFields,
  namesInstance,
  SSH_TARGET_FIELDS,
  type SshTargetFields,
} from "./ecs-secret-value.ts";
import { sshHost } from "./ecs-ssh-host.ts";

/** Where the ECS rotators get what their transports call. */
export interface EcsRotatorOptions {
  /** ECS clients for values naming an instance (default: the invocation's, ctx.cloud). */
  cloudAssistant?: EcsCloudAssistantClients | undefined;
}

type EcsTarget = SshTargetFields | InstanceTargetFields;

/** The host `value` names, reached the way it says. */
export function openHost(
  value: EcsTarget,
  ctx: RotatorContext<unknown>,
  options: EcsRotatorOptions,
): EcsHost {
  if (!namesInstance(value)) return sshHost(value, ctx);
  return cloudAssistantHost(value, options.cloudAssistant ?? ctx.cloud, ctx);
}

/** The fields in which `other` names another account or server than `value` ([] when none). */
function differingTargetFields(value: EcsTarget, other: EcsTarget): string[] | "transport" {
  if (namesInstance(value) !== namesInstance(other)) return "transport";
  if (namesInstance(value)) {
    const o = other as InstanceTargetFields;
    return INSTANCE_TARGET_FIELDS.filter((field) => value[field] !== o[field]);
  }
  const o = other as SshTargetFields;
  return SSH_TARGET_FIELDS.filter((field) => value[field] !== o[field]);
}

/** Throws ValidationError unless `pending` names the account and server of `current`, reached the same way. */
export function checkSameTarget(current: EcsTarget, pending: EcsTarget, secretName: string): void {
  const differing = differingTargetFields(current, pending);
  if (differing === "transport") {
    throw new ValidationError(
      `The pending value of secret ${secretName} reaches the server another way than the current one (SSH or Cloud Assistant): a rotation only changes the credential, refusing to apply it`,
    );
  }
  if (differing.length > 0) {
    throw new ValidationError(
      `The pending value of secret ${secretName} differs from the current one in ${differing.join(", ")}: a rotation only changes the credential, refusing to apply it`,
    );
  }
}

/**
 * `other` when it names the same account and server as `value`, reached the
 * same way; undefined otherwise (a previous value from before the server
 * moved holds nothing of this one, and its credential goes nowhere else).
 */
export function onSameTarget<Value extends EcsTarget>(
  value: EcsTarget,
  other: Value | undefined,
): Value | undefined {
  if (other === undefined) return undefined;
  const differing = differingTargetFields(value, other);
  return differing !== "transport" && differing.length === 0 ? other : undefined;
}

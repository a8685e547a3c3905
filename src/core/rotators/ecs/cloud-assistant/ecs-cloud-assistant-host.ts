/**
 * The Cloud Assistant transport: an instance a value names by InstanceId and
 * RegionId, for servers without inbound SSH. Every command runs as root
 * (ecs-cloud-assistant-session.ts), so there is no user login: the rotator
 * proves on the instance that the secret holds the user's credential
 * before it changes anything, and a credential is checked against the
 * account's shadow entry or authorized_keys. Commands run as root on any
 * instance the function's role may reach, so only instances the deployment
 * lists (ROTOR_ECS_INSTANCES) get a host at all.
 */
import { PolicyError } from "@rotor/cloud-api";
import { allowsExactly, describeAllowed } from "../../../contract/deploy-policy.ts";
import type { RotatorContext } from "../../../contract/rotator-contract.ts";
import type { EcsHost } from "../ecs-host.ts";
import { checkKeyAuthorized } from "../ecs-key-check.ts";
import { checkPasswordOn } from "../ecs-password-check.ts";
import type { InstanceTargetFields } from "../ecs-secret-value.ts";
import type { EcsCloudAssistantClients } from "./ecs-cloud-assistant-clients.ts";
import { cloudAssistantSession } from "./ecs-cloud-assistant-session.ts";

/** The value's instance; a PolicyError, before any call, for an instance not allowed. */
export function cloudAssistantHost(
  target: InstanceTargetFields,
  clients: EcsCloudAssistantClients,
  ctx: RotatorContext<unknown>,
): EcsHost {
  const allowed = ctx.policy.ecsInstances;
  if (!allowsExactly(allowed, target.InstanceId)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names ECS instance ${target.InstanceId}, where this function may not run commands (ROTOR_ECS_INSTANCES: ${describeAllowed(allowed)}); nothing was called`,
    );
  }
  const session = () =>
    cloudAssistantSession({
      ecs: clients.ecs(target.RegionId),
      instanceId: target.InstanceId,
      clock: { deadline: ctx.deadline, now: () => ctx.now() },
    });
  const userName = target.UserName;
  return {
    calls: "ecs.cloud-assistant",
    where: `instance ${target.InstanceId}`,

    async editingSession() {
      return { asRoot: true, session: session() };
    },

    async checkLogin(credential) {
      if ("password" in credential) {
        await ctx.external("ecs.cloud-assistant.check-password", () =>
          checkPasswordOn(session(), userName, credential.password),
        );
      } else {
        await ctx.external("ecs.cloud-assistant.authorized-keys.check", () =>
          checkKeyAuthorized(session(), userName, credential.publicKey, credential.privateKey),
        );
      }
    },
  };
}

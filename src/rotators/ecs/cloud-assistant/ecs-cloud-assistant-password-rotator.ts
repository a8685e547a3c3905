/**
 * Rotates a Linux account's password through Cloud Assistant, for servers
 * without inbound SSH. setSecret runs chpasswd as root with the new
 * password as its input file (see ecs-cloud-assistant-session.ts for why a
 * file); setting the same password again is harmless, so a re-run simply
 * repeats it. testSecret compares the password with the account's shadow
 * entry on the instance. One account, so the old password stops working
 * when the new one is set.
 */
import { z } from "zod";
import { defineRotator } from "../../contract.ts";
import { changePassword } from "../ecs-password-change.ts";
import {
  defaultEcsCloudAssistantClients,
  type EcsCloudAssistantClients,
} from "./ecs-cloud-assistant-clients.ts";
import { checkPasswordOn } from "./ecs-cloud-assistant-password-check.ts";
import { ecsCloudAssistantPasswordValue } from "./ecs-cloud-assistant-secret-value.ts";
import { checkSameInstance, sessionOnInstance } from "./ecs-cloud-assistant-target.ts";

export const ECS_CLOUD_ASSISTANT_PASSWORD_KIND = "ecs-password-cloud-assistant";

/** Characters left out of new passwords: they trip shells, URLs and quoting. */
const EXCLUDED_CHARACTERS = ` "'\`\\/@$:`;

export function createEcsCloudAssistantPasswordRotator(
  clients: EcsCloudAssistantClients = defaultEcsCloudAssistantClients(),
) {
  return defineRotator({
    kind: ECS_CLOUD_ASSISTANT_PASSWORD_KIND,
    description: "a Linux account's password on an ECS instance, set through Cloud Assistant",
    value: ecsCloudAssistantPasswordValue,
    config: z.object({}),

    async createValue(current, ctx) {
      const { randomPassword } = await ctx.kms.getRandomPassword({
        length: 32,
        excludeCharacters: EXCLUDED_CHARACTERS,
        requireEachIncludedType: true,
      });
      ctx.redact(randomPassword);
      return { ...current, Password: randomPassword };
    },

    async apply({ current, pending }, ctx) {
      checkSameInstance(current, pending, ctx.secretName);
      const session = sessionOnInstance(pending, clients, ctx);
      await ctx.external("ecs.cloud-assistant.chpasswd", () =>
        changePassword(session, pending.UserName, pending.Password),
      );
    },

    async test(value, ctx) {
      const session = sessionOnInstance(value, clients, ctx);
      await ctx.external("ecs.cloud-assistant.check-password", () =>
        checkPasswordOn(session, value.UserName, value.Password),
      );
    },
  });
}

export const ecsCloudAssistantPasswordRotator = createEcsCloudAssistantPasswordRotator();

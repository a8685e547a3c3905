/**
 * Rotates a Linux account's password through Cloud Assistant, for servers
 * without inbound SSH. setSecret first checks, as root, that the secret
 * holds the account's password now (the current one, or the pending one
 * when an earlier attempt set it), then runs chpasswd with the new
 * password as its input file (see ecs-cloud-assistant-session.ts for why a
 * file). testSecret compares the password with the account's shadow
 * entry on the instance. One account, so the old password stops working
 * when the new one is set.
 */
import { z } from "zod";
import { defineRotator } from "../../../contract/rotator-contract.ts";
import { changePassword } from "../ecs-password-change.ts";
import { checkPasswordOn, heldPassword, passwordCandidates } from "../ecs-password-check.ts";
import type { EcsCloudAssistantClients } from "./ecs-cloud-assistant-clients.ts";
import { ecsCloudAssistantPasswordValue } from "./ecs-cloud-assistant-secret-value.ts";
import { checkSameInstance, sessionOnInstance } from "./ecs-cloud-assistant-target.ts";

export const ECS_CLOUD_ASSISTANT_PASSWORD_KIND = "ecs-password-cloud-assistant";

/** Characters left out of new passwords: they trip shells, URLs and quoting. */
const EXCLUDED_CHARACTERS = ` "'\`\\/@$:`;

export function createEcsCloudAssistantPasswordRotator(
  /** Default: the invocation's ECS, ctx.cloud. */
  clients?: EcsCloudAssistantClients,
) {
  return defineRotator({
    kind: ECS_CLOUD_ASSISTANT_PASSWORD_KIND,
    description: "a Linux account's password on an ECS instance, set through Cloud Assistant",
    value: ecsCloudAssistantPasswordValue,
    config: z.object({}),
    // apply proves the account's password against the current, pending and previous ones.
    usesPrevious: true,

    async createValue(current, ctx) {
      const { randomPassword } = await ctx.kms.getRandomPassword({
        length: 32,
        excludeCharacters: EXCLUDED_CHARACTERS,
        requireEachIncludedType: true,
      });
      ctx.redact(randomPassword);
      return { ...current, Password: randomPassword };
    },

    async apply({ current, pending, previous }, ctx) {
      checkSameInstance(current, pending, ctx.secretName);
      const session = sessionOnInstance(pending, clients, ctx);
      // Root changes the password only for an account whose password the
      // secret holds now: the current one, the pending one (an earlier
      // attempt set it already), or the previous one (a lost switch).
      const held = await ctx.external("ecs.cloud-assistant.check-password", () =>
        heldPassword(
          session,
          current.UserName,
          passwordCandidates(current, pending, previous),
          ctx.secretName,
        ),
      );
      if (held === "pending") return;
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

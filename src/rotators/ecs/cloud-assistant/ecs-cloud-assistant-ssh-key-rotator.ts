/**
 * Rotates an SSH key pair a user logs in with, on an instance reached
 * through Cloud Assistant: the same authorized_keys edits as over SSH (a
 * key tagged `rotor:<secret>:<version>` added once, this secret's older
 * rotation keys pruned at finishSecret, a leaked key removed at once in an
 * emergency, every other line kept byte for byte, the file 0600 in a 0700
 * folder and owned by the user), made as root through runuser. testSecret
 * checks the key pair and that the key is authorized on the instance.
 * Public keys are not secret, but they still travel as input files, never
 * in a command's text.
 */
import { z } from "zod";
import { defineRotator, type RotatorContext } from "../../contract.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "../ecs-authorized-keys.ts";
import { generateSshKeyPair } from "../ecs-key-pair.ts";
import { editAuthorizedKeys } from "../ecs-remote-authorized-keys.ts";
import {
  defaultEcsCloudAssistantClients,
  type EcsCloudAssistantClients,
} from "./ecs-cloud-assistant-clients.ts";
import { checkKeyAuthorized } from "./ecs-cloud-assistant-key-check.ts";
import {
  type EcsCloudAssistantSshKeyValue,
  ecsCloudAssistantSshKeyValue,
} from "./ecs-cloud-assistant-secret-value.ts";
import { checkSameInstance, sessionOnInstance } from "./ecs-cloud-assistant-target.ts";

export const ECS_CLOUD_ASSISTANT_SSH_KEY_KIND = "ecs-ssh-key-cloud-assistant";

export function createEcsCloudAssistantSshKeyRotator(
  clients: EcsCloudAssistantClients = defaultEcsCloudAssistantClients(),
) {
  const edit = (
    name: string,
    value: EcsCloudAssistantSshKeyValue,
    change: (content: string) => string,
    ctx: RotatorContext<unknown>,
  ) => {
    const session = sessionOnInstance(value, clients, ctx);
    return ctx.external(name, () => editAuthorizedKeys(session, value.UserName, change));
  };

  return defineRotator({
    kind: ECS_CLOUD_ASSISTANT_SSH_KEY_KIND,
    description:
      "an SSH key pair a Linux account logs in with, on an ECS instance reached through Cloud Assistant",
    value: ecsCloudAssistantSshKeyValue,
    config: z.object({}),

    async createValue(current, ctx) {
      const comment = rotationKeyComment(ctx.secretName, ctx.versionIds.pending);
      const pair = await generateSshKeyPair(current.keyAlgorithm ?? "ed25519", comment);
      ctx.redact(pair.privateKey);
      return { ...current, PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
    },

    async apply({ current, pending }, ctx) {
      checkSameInstance(current, pending, ctx.secretName);
      parsePublicKeyLine(pending.PublicKey, "PublicKey");
      await edit(
        "ecs.cloud-assistant.authorized-keys.add",
        pending,
        (c) => withKey(c, pending.PublicKey),
        ctx,
      );
    },

    async test(value, ctx) {
      const session = sessionOnInstance(value, clients, ctx);
      await ctx.external("ecs.cloud-assistant.authorized-keys.check", () =>
        checkKeyAuthorized(session, value.UserName, value.PublicKey, value.PrivateKey),
      );
    },

    async finish({ pending }, ctx) {
      const keep = new Set([ctx.versionIds.current, ctx.versionIds.pending]);
      await edit(
        "ecs.cloud-assistant.authorized-keys.prune",
        pending,
        (c) => withoutRotationKeys(c, ctx.secretName, keep),
        ctx,
      );
    },

    async revoke({ revoked, current }, ctx) {
      await edit(
        "ecs.cloud-assistant.authorized-keys.revoke",
        current,
        (c) => withoutKey(c, revoked.PublicKey),
        ctx,
      );
    },
  });
}

export const ecsCloudAssistantSshKeyRotator = createEcsCloudAssistantSshKeyRotator();

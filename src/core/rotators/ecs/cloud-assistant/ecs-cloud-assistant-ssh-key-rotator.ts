/**
 * Rotates an SSH key pair a user logs in with, on an instance reached
 * through Cloud Assistant: the same authorized_keys edits as over SSH (a
 * key tagged `rotor:<secret>:<version>` added once, this secret's older
 * rotation keys pruned at finishSecret, a leaked key removed at once in an
 * emergency, every other line kept byte for byte, the file 0600 in a 0700
 * folder and owned by the user), made as root through runuser. testSecret
 * checks the key pair and that the key is authorized on the instance.
 * Every edit first checks that the file authorizes a key the secret holds
 * (root edits only the file of a user whose key the secret proves).
 * Public keys are not secret, but they still travel as input files, never
 * in a command's text.
 */
import { z } from "zod";
import { defineRotator, type RotatorContext } from "../../../contract/rotator-contract.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "../ecs-authorized-keys.ts";
import { checkKeyAuthorized, heldKeyIn, type KeyCandidate, ownKeyBlobs } from "../ecs-key-check.ts";
import { generateSshKeyPair } from "../ecs-key-pair.ts";
import { editAuthorizedKeys } from "../ecs-remote-authorized-keys.ts";
import type { EcsCloudAssistantClients } from "./ecs-cloud-assistant-clients.ts";
import {
  type EcsCloudAssistantSshKeyValue,
  ecsCloudAssistantSshKeyValue,
} from "./ecs-cloud-assistant-secret-value.ts";
import { checkSameInstance, sessionOnInstance } from "./ecs-cloud-assistant-target.ts";

export const ECS_CLOUD_ASSISTANT_SSH_KEY_KIND = "ecs-ssh-key-cloud-assistant";

export function createEcsCloudAssistantSshKeyRotator(
  /** Default: the invocation's ECS, ctx.cloud. */
  clients?: EcsCloudAssistantClients,
) {
  /**
   * Edits the user's authorized_keys as root, once the file as read shows
   * one of `held`: the secret must hold a key the user logs in with now.
   */
  const edit = async (
    name: string,
    value: EcsCloudAssistantSshKeyValue,
    held: readonly KeyCandidate[],
    change: (content: string) => string,
    ctx: RotatorContext<unknown>,
  ) => {
    const session = sessionOnInstance(value, clients, ctx);
    const owned = await ownKeyBlobs(held);
    const where = {
      secretName: ctx.secretName,
      userName: value.UserName,
      server: `instance ${value.InstanceId}`,
    };
    return ctx.external(name, () =>
      editAuthorizedKeys(session, value.UserName, change, (content) =>
        heldKeyIn(content, owned, where),
      ),
    );
  };
  const keysOf = (...values: (EcsCloudAssistantSshKeyValue | undefined)[]): KeyCandidate[] =>
    values.flatMap((value) => (value ? [value] : []));

  return defineRotator({
    kind: ECS_CLOUD_ASSISTANT_SSH_KEY_KIND,
    description:
      "an SSH key pair a Linux account logs in with, on an ECS instance reached through Cloud Assistant",
    value: ecsCloudAssistantSshKeyValue,
    config: z.object({}),
    // apply proves the user's key against the current, pending and previous ones.
    usesPrevious: true,

    async createValue(current, ctx) {
      const comment = rotationKeyComment(ctx.secretName, ctx.versionIds.pending);
      const pair = await generateSshKeyPair(current.keyAlgorithm ?? "ed25519", comment);
      ctx.redact(pair.privateKey);
      return { ...current, PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
    },

    async apply({ current, pending, previous }, ctx) {
      checkSameInstance(current, pending, ctx.secretName);
      parsePublicKeyLine(pending.PublicKey, "PublicKey");
      await edit(
        "ecs.cloud-assistant.authorized-keys.add",
        pending,
        keysOf(current, pending, previous),
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

    async finish({ current, pending }, ctx) {
      const keep = new Set([ctx.versionIds.current, ctx.versionIds.pending]);
      await edit(
        "ecs.cloud-assistant.authorized-keys.prune",
        pending,
        keysOf(pending, current),
        (c) => withoutRotationKeys(c, ctx.secretName, keep),
        ctx,
      );
    },

    async revoke({ revoked, current }, ctx) {
      await edit(
        "ecs.cloud-assistant.authorized-keys.revoke",
        current,
        keysOf(current),
        (c) => withoutKey(c, revoked.PublicKey),
        ctx,
      );
    },
  });
}

export const ecsCloudAssistantSshKeyRotator = createEcsCloudAssistantSshKeyRotator();

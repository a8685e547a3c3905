/**
 * Rotates an SSH key pair a user logs in with, on a server reached over
 * SSH or an ECS instance reached through Cloud Assistant (the value
 * chooses, see ecs-transport-choice.ts). createSecret makes a new pair
 * whose public key comment `rotor:<secret>:<version>` tags it; setSecret
 * adds it to the user's authorized_keys once; testSecret proves it (a
 * fresh SSH login, or through Cloud Assistant the pair matching and the key
 * authorized); finishSecret removes this secret's older rotation keys,
 * keeping the current one (it becomes ACSPrevious and stays valid until
 * the next rotation). An emergency rotation removes the leaked key at
 * once. Keys the rotation did not add are never touched, except a leaked
 * key the secret itself held; every other line is kept byte for byte.
 *
 * Edits run as the user (logged in with a key the secret holds, which is
 * the proof), or as root (a privileged SSH login of this very server, or
 * Cloud Assistant), where every edit first checks that the file authorizes
 * a key the secret holds: root edits only the file of a user whose key the
 * secret proves. Public keys are not secret, but they still travel as
 * command input, never in a command's text.
 */
import { z } from "zod";
import { defineRotator, type RotatorContext } from "../../contract/rotator-contract.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "./ecs-authorized-keys.ts";
import type { CredentialLabel, EcsHost } from "./ecs-host.ts";
import { heldKeyIn, ownKeyBlobs } from "./ecs-key-check.ts";
import { generateSshKeyPair } from "./ecs-key-pair.ts";
import { editAuthorizedKeys } from "./ecs-remote-authorized-keys.ts";
import { type EcsSshKeyValue, ecsSshKeyValue, namesInstance } from "./ecs-secret-value.ts";
import {
  checkSameTarget,
  type EcsRotatorOptions,
  onSameTarget,
  openHost,
} from "./ecs-transport-choice.ts";

export type { EcsRotatorOptions } from "./ecs-transport-choice.ts";

/** The keys a step holds, in the order the user's logins try them. */
type HeldKeys = ReadonlyArray<{ label: CredentialLabel; value: EcsSshKeyValue | undefined }>;

/**
 * Edits `userName`'s authorized_keys through `host`, once the session is
 * proven to act for the user: the user's own login with one of `keys`, or
 * root after the file as read shows one of `keys`.
 */
async function edit(
  host: EcsHost,
  action: "add" | "prune" | "revoke",
  userName: string,
  keys: HeldKeys,
  change: (content: string) => string,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  const held = keys.flatMap(({ label, value }) => (value ? [{ label, value }] : []));
  const editing = await host.editingSession(
    held.map(({ label, value }) => ({ label, credential: { privateKey: value.PrivateKey } })),
  );
  const { session } = editing;
  try {
    let guard: ((content: string) => void) | undefined;
    if (editing.asRoot) {
      const owned = await ownKeyBlobs(held.map(({ value }) => value));
      const where = { secretName: ctx.secretName, userName, server: host.where };
      guard = (content) => heldKeyIn(content, owned, where);
    }
    await ctx.external(`${host.calls}.authorized-keys.${action}`, () =>
      editAuthorizedKeys(session, userName, change, guard),
    );
  } finally {
    session.close();
  }
}

export function createEcsSshKeyRotator(options: EcsRotatorOptions = {}) {
  return defineRotator({
    kind: "ecs-ssh-key",
    description:
      "an SSH key pair a Linux account logs in with (authorized_keys), on a server reached over SSH, or through Cloud Assistant when the value names an InstanceId",
    value: ecsSshKeyValue,
    config: z.object({}),
    // apply proves the user's key against the pending, current and previous ones: a crashed attempt is found wherever it stopped.
    usesPrevious: true,

    async createValue(current, ctx) {
      const comment = rotationKeyComment(ctx.secretName, ctx.versionIds.pending);
      const pair = await generateSshKeyPair(current.keyAlgorithm ?? "ed25519", comment);
      ctx.redact(pair.privateKey);
      return { ...current, PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
    },

    async apply({ current, pending, previous }, ctx) {
      checkSameTarget(current, pending, ctx.secretName);
      parsePublicKeyLine(pending.PublicKey, "PublicKey");
      const keys: HeldKeys = [
        { label: "pending", value: pending },
        { label: "current", value: current },
        { label: "previous", value: onSameTarget(current, previous) },
      ];
      await edit(
        openHost(current, ctx, options),
        "add",
        pending.UserName,
        keys,
        (c) => withKey(c, pending.PublicKey),
        ctx,
      );
    },

    async test(value, ctx) {
      await openHost(value, ctx, options).checkLogin({
        publicKey: value.PublicKey,
        privateKey: value.PrivateKey,
      });
    },

    async finish({ current, pending }, ctx) {
      checkSameTarget(current, pending, ctx.secretName);
      const keep = new Set([ctx.versionIds.current, ctx.versionIds.pending]);
      const keys: HeldKeys = [
        { label: "pending", value: pending },
        { label: "current", value: current },
      ];
      await edit(
        openHost(current, ctx, options),
        "prune",
        pending.UserName,
        keys,
        (c) => withoutRotationKeys(c, ctx.secretName, keep),
        ctx,
      );
    },

    async revoke({ revoked, current }, ctx) {
      // A leaked value that reached the server another way left nothing here.
      if (namesInstance(revoked) !== namesInstance(current)) return;
      await edit(
        openHost(current, ctx, options),
        "revoke",
        current.UserName,
        [{ label: "current", value: current }],
        (c) => withoutKey(c, revoked.PublicKey),
        ctx,
      );
    },
  });
}

/** The `ecs-ssh-key` rotator, calling Cloud Assistant as the function's own identity. */
export const ecsSshKeyRotator = createEcsSshKeyRotator();

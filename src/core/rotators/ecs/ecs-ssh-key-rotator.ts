/**
 * Rotates an SSH key pair a user logs in with. createSecret makes a new pair
 * whose public key comment `rotor:<secret>:<version>` tags it; setSecret adds
 * it to the user's authorized_keys once; testSecret logs in with it;
 * finishSecret removes this secret's older rotation keys, keeping the current
 * one (it becomes ACSPrevious and stays valid until the next rotation). An
 * emergency rotation removes the leaked key at once. Keys the rotation did
 * not add are never touched, except a leaked key the secret itself held.
 * Through a privileged login (a root login of this very server), every
 * edit first checks that the file authorizes a key the secret holds.
 */
import { z } from "zod";
import {
  defineRotator,
  type RotationValues,
  type RotatorContext,
} from "../../contract/rotator-contract.ts";
import { ecsCloudAssistantSshKeyRotator } from "./cloud-assistant/ecs-cloud-assistant-ssh-key-rotator.ts";
import { chooseTransport } from "./cloud-assistant/ecs-transport-choice.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "./ecs-authorized-keys.ts";
import { heldKeyIn, ownKeyBlobs } from "./ecs-key-check.ts";
import { generateSshKeyPair } from "./ecs-key-pair.ts";
import { editAuthorizedKeys } from "./ecs-remote-authorized-keys.ts";
import { checkSameTarget } from "./ecs-same-target.ts";
import { type EcsSshKeyValue, ecsSshKeyValue } from "./ecs-secret-value.ts";
import { firstAcceptedSession, loginTo, privilegedLogin, proveLogin } from "./ecs-ssh-login.ts";
import type { SshLogin, SshSession } from "./ecs-ssh-session.ts";

const keyLogin = (value: EcsSshKeyValue, ctx: RotatorContext<unknown>): SshLogin =>
  loginTo(value, { userName: value.UserName, privateKey: value.PrivateKey }, ctx);

/** A session that may edit the user's authorized_keys, and what must hold before it does. */
interface EditingSession {
  session: SshSession;
  /** Throws unless the file read authorizes a key the secret holds (a root session's check). */
  guard?: ((content: string) => void) | undefined;
}

/**
 * The privileged login when the secret names one (it edits the file only
 * once the file shows one of `keys`: the secret must hold a key the user
 * logs in with now), else the user's own login with the first of `keys`
 * the server accepts (which is that proof).
 */
async function editingSession(
  target: EcsSshKeyValue,
  keys: ReadonlyArray<{ name: string; value: EcsSshKeyValue | undefined }>,
  ctx: RotatorContext<unknown>,
): Promise<EditingSession> {
  const { privilegedSecret } = target;
  if (privilegedSecret !== undefined) {
    const owned = await ownKeyBlobs(keys.flatMap(({ value }) => (value ? [value] : [])));
    const login = await privilegedLogin({ ...target, privilegedSecret }, ctx);
    const { session } = await firstAcceptedSession([{ name: "ssh.login.privileged", login }], ctx);
    const where = {
      secretName: ctx.secretName,
      userName: target.UserName,
      server: `${target.host}:${target.port ?? 22}`,
    };
    return { session, guard: (content) => heldKeyIn(content, owned, where) };
  }
  const candidates = keys.flatMap(({ name, value }) =>
    value ? [{ name, login: keyLogin(value, ctx) }] : [],
  );
  return { session: (await firstAcceptedSession(candidates, ctx)).session };
}

async function edit(
  { session, guard }: EditingSession,
  name: string,
  userName: string,
  change: (content: string) => string,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  try {
    await ctx.external(name, () => editAuthorizedKeys(session, userName, change, guard));
  } finally {
    session.close();
  }
}

export const ecsSshKeyOverSshRotator = defineRotator({
  kind: "ecs-ssh-key",
  description: "an SSH key pair a Linux account logs in with (authorized_keys over SSH)",
  value: ecsSshKeyValue,
  config: z.object({}),
  // apply logs in with pending, then current, then previous: a crashed attempt is found wherever it stopped.
  usesPrevious: true,

  async createValue(current, ctx) {
    const comment = rotationKeyComment(ctx.secretName, ctx.versionIds.pending);
    const pair = await generateSshKeyPair(current.keyAlgorithm ?? "ed25519", comment);
    ctx.redact(pair.privateKey);
    return { ...current, PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
  },

  async apply({ current, pending, previous }: RotationValues<EcsSshKeyValue>, ctx) {
    checkSameTarget(current, pending, ctx.secretName);
    parsePublicKeyLine(pending.PublicKey, "PublicKey");
    const session = await editingSession(
      current,
      [
        { name: "ssh.login.pending", value: pending },
        { name: "ssh.login.current", value: current },
        { name: "ssh.login.previous", value: previous },
      ],
      ctx,
    );
    await edit(
      session,
      "ssh.authorized-keys.add",
      pending.UserName,
      (c) => withKey(c, pending.PublicKey),
      ctx,
    );
  },

  async test(value, ctx) {
    await proveLogin("ssh.login.test", keyLogin(value, ctx), ctx);
  },

  async finish({ current, pending }, ctx) {
    const keep = new Set([ctx.versionIds.current, ctx.versionIds.pending]);
    const session = await editingSession(
      current,
      [
        { name: "ssh.login.pending", value: pending },
        { name: "ssh.login.current", value: current },
      ],
      ctx,
    );
    await edit(
      session,
      "ssh.authorized-keys.prune",
      pending.UserName,
      (c) => withoutRotationKeys(c, ctx.secretName, keep),
      ctx,
    );
  },

  async revoke({ revoked, current }, ctx) {
    const session = await editingSession(
      current,
      [{ name: "ssh.login.current", value: current }],
      ctx,
    );
    await edit(
      session,
      "ssh.authorized-keys.revoke",
      current.UserName,
      (c) => withoutKey(c, revoked.PublicKey),
      ctx,
    );
  },
});

/** The `ecs-ssh-key` rotator: over SSH, or through Cloud Assistant when the value names an InstanceId. */
export const ecsSshKeyRotator = chooseTransport(
  ecsSshKeyOverSshRotator,
  ecsCloudAssistantSshKeyRotator,
);

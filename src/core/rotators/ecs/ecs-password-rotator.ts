/**
 * Rotates a Linux account's password over SSH. One account, so there is no
 * moment where both passwords work: setSecret tries the logins in the order
 * pending → current → previous, which finds the account in whatever state a
 * crash left it (a pending login that works means the change already
 * happened). With a `privilegedSecret` (a root login of this very server)
 * root first checks which password the account has now against
 * /etc/shadow: the secret must hold it. A non-root account cannot run
 * chpasswd for itself: give it a `privilegedSecret` with a root login.
 */
import { z } from "zod";
import { defineRotator, type RotatorContext } from "../../contract/rotator-contract.ts";
import { ecsCloudAssistantPasswordRotator } from "./cloud-assistant/ecs-cloud-assistant-password-rotator.ts";
import { chooseTransport } from "./cloud-assistant/ecs-transport-choice.ts";
import { changePassword } from "./ecs-password-change.ts";
import { heldPassword, passwordCandidates } from "./ecs-password-check.ts";
import { checkSameTarget } from "./ecs-same-target.ts";
import { type EcsPasswordValue, ecsPasswordValue } from "./ecs-secret-value.ts";
import { firstAcceptedSession, loginTo, privilegedLogin, proveLogin } from "./ecs-ssh-login.ts";
import type { SshLogin } from "./ecs-ssh-session.ts";

/** Characters left out of new passwords: they trip shells, URLs and quoting. */
const EXCLUDED_CHARACTERS = ` "'\`\\/@$:`;

const passwordLogin = (value: EcsPasswordValue, ctx: RotatorContext<unknown>): SshLogin =>
  loginTo(value, { userName: value.UserName, password: value.Password }, ctx);

export const ecsPasswordOverSshRotator = defineRotator({
  kind: "ecs-password",
  description: "a Linux account's password on a server reached over SSH (chpasswd)",
  value: ecsPasswordValue,
  config: z.object({}),
  // apply logs in with pending, then current, then previous: a crashed attempt is found wherever it stopped.
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
    checkSameTarget(current, pending, ctx.secretName);
    const { privilegedSecret } = current;
    if (privilegedSecret !== undefined) {
      // Root changes the password only once the secret proves it holds the
      // account's password now (checked against /etc/shadow, so password
      // logins may be off): the current one, or the pending one when an
      // earlier attempt already set it, or the previous one when a switch
      // was lost.
      const login = await privilegedLogin({ ...current, privilegedSecret }, ctx);
      const { session } = await firstAcceptedSession(
        [{ name: "ssh.login.privileged", login }],
        ctx,
      );
      try {
        const held = await ctx.external("ssh.check-password", () =>
          heldPassword(
            session,
            current.UserName,
            passwordCandidates(current, pending, previous),
            ctx.secretName,
          ),
        );
        if (held === "pending") return; // set by an earlier attempt
        await ctx.external("ssh.chpasswd", () =>
          changePassword(session, pending.UserName, pending.Password),
        );
      } finally {
        session.close();
      }
      return;
    }

    const candidates = [
      { name: "ssh.login.pending", login: passwordLogin(pending, ctx) },
      { name: "ssh.login.current", login: passwordLogin(current, ctx) },
      ...(previous ? [{ name: "ssh.login.previous", login: passwordLogin(previous, ctx) }] : []),
    ];
    const { name, session } = await firstAcceptedSession(candidates, ctx);
    try {
      if (name === "ssh.login.pending") return; // set by an earlier attempt
      await ctx.external("ssh.chpasswd", () =>
        changePassword(session, pending.UserName, pending.Password),
      );
    } finally {
      session.close();
    }
  },

  async test(value, ctx) {
    await proveLogin("ssh.login.test", passwordLogin(value, ctx), ctx);
  },
});

/** The `ecs-password` rotator: over SSH, or through Cloud Assistant when the value names an InstanceId. */
export const ecsPasswordRotator = chooseTransport(
  ecsPasswordOverSshRotator,
  ecsCloudAssistantPasswordRotator,
);

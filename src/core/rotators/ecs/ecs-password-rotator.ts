/**
 * Rotates a Linux account's password, on a server reached over SSH or an
 * ECS instance reached through Cloud Assistant (the value chooses, see
 * ecs-transport-choice.ts). One account, so there is no moment where both
 * passwords work.
 *
 * setSecret finds the account in whatever state a crash left it. As the
 * user (SSH without a `privilegedSecret`) it tries the logins pending →
 * current → previous: a pending login that works means the change already
 * happened. As root (a privileged SSH login of this very server, or Cloud
 * Assistant) it first checks which password the account has now against
 * /etc/shadow (so password logins may be off): the secret must hold it,
 * else nothing changes. Then chpasswd sets the pending password. A
 * non-root account cannot run chpasswd for itself: give it a
 * `privilegedSecret` with a root login. testSecret proves the password: a
 * fresh SSH login, or the shadow check through Cloud Assistant.
 */
import { z } from "zod";
import { defineRotator } from "../../contract/rotator-contract.ts";
import type { UserLogin } from "./ecs-host.ts";
import { changePassword } from "./ecs-password-change.ts";
import { heldPassword, passwordCandidates } from "./ecs-password-check.ts";
import { generateEcsPassword } from "./ecs-password-policy.ts";
import { ecsPasswordValue } from "./ecs-secret-value.ts";
import {
  checkSameTarget,
  type EcsRotatorOptions,
  onSameTarget,
  openHost,
} from "./ecs-transport-choice.ts";

export type { EcsRotatorOptions } from "./ecs-transport-choice.ts";

export function createEcsPasswordRotator(options: EcsRotatorOptions = {}) {
  return defineRotator({
    kind: "ecs-password",
    description:
      "a Linux account's password on a server reached over SSH, or through Cloud Assistant when the value names an InstanceId (chpasswd)",
    value: ecsPasswordValue,
    config: z.object({}),
    // apply proves the account's password against the pending, current and previous ones: a crashed attempt is found wherever it stopped.
    usesPrevious: true,

    async createValue(current, ctx) {
      return { ...current, Password: await generateEcsPassword(ctx) };
    },

    async apply({ current, pending, previous: anyPrevious }, ctx) {
      checkSameTarget(current, pending, ctx.secretName);
      const previous = onSameTarget(current, anyPrevious);
      const host = openHost(current, ctx, options);
      const logins: UserLogin[] = [
        { label: "pending", credential: { password: pending.Password } },
        { label: "current", credential: { password: current.Password } },
        ...(previous
          ? [{ label: "previous" as const, credential: { password: previous.Password } }]
          : []),
      ];
      const editing = await host.editingSession(logins);
      const { session } = editing;
      try {
        if (editing.asRoot) {
          // Root changes the password only for an account whose password
          // the secret holds now: the current one, the pending one (an
          // earlier attempt set it already), or the previous one (a lost switch).
          const held = await ctx.external(`${host.calls}.check-password`, () =>
            heldPassword(
              session,
              current.UserName,
              passwordCandidates(current, pending, previous),
              ctx.secretName,
            ),
          );
          if (held === "pending") return; // set by an earlier attempt
        } else if (editing.acceptedLogin === "pending") {
          return; // set by an earlier attempt
        }
        await ctx.external(`${host.calls}.chpasswd`, () =>
          changePassword(session, pending.UserName, pending.Password),
        );
      } finally {
        session.close();
      }
    },

    async test(value, ctx) {
      await openHost(value, ctx, options).checkLogin({ password: value.Password });
    },
  });
}

/** The `ecs-password` rotator, calling Cloud Assistant as the function's own identity. */
export const ecsPasswordRotator = createEcsPasswordRotator();

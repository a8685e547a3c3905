/**
 * The SSH transport: the server a value names by host, port and host key
 * fingerprint, reached over SSH. Without a `privilegedSecret` the user's
 * own logins are tried in the order the rotator gives (a login that works
 * tells which credential the account has, wherever a crash left it); with
 * one, root logs in with the privileged secret's login, which must belong
 * to this very server (ecs-ssh-login.ts).
 */
import { RotorError } from "@rotor/cloud-api";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import type { EcsHost } from "./ecs-host.ts";
import type { SshTargetFields } from "./ecs-secret-value.ts";
import { firstAcceptedSession, loginTo, privilegedLogin, proveLogin } from "./ecs-ssh-login.ts";

export function sshHost(target: SshTargetFields, ctx: RotatorContext<unknown>): EcsHost {
  const userName = target.UserName;
  return {
    calls: "ssh",
    where: `${target.host}:${target.port ?? 22}`,

    async editingSession(logins) {
      const { privilegedSecret } = target;
      if (privilegedSecret !== undefined) {
        const login = await privilegedLogin({ ...target, privilegedSecret }, ctx);
        const { session } = await firstAcceptedSession(
          [{ name: "ssh.login.privileged", login }],
          ctx,
        );
        return { asRoot: true, session };
      }
      const candidates = logins.map(({ label, credential }) => ({
        name: `ssh.login.${label}`,
        label,
        login: loginTo(target, { userName, ...credential }, ctx),
      }));
      const { name, session } = await firstAcceptedSession(candidates, ctx);
      const accepted = candidates.find((candidate) => candidate.name === name);
      if (!accepted) {
        session.close();
        throw new RotorError("internal: an accepted login that was not tried");
      }
      return { asRoot: false, session, acceptedLogin: accepted.label };
    },

    async checkLogin(credential) {
      const login =
        "password" in credential
          ? { userName, password: credential.password }
          : { userName, privateKey: credential.privateKey };
      await proveLogin("ssh.login.test", loginTo(target, login, ctx), ctx);
    },
  };
}

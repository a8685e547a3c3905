/**
 * Whether a user logs in to a test sshd with a password or private key: the
 * check every ECS rotation test makes after a rotation, through the
 * rotator's own SSH login (host key pinned), so a refusal means the server
 * refused.
 */
import { canLogIn } from "../../src/core/rotators/ecs/ecs-ssh-session.ts";
import type { SshdServer } from "./sshd.ts";

export type SshdLoginCheck = (
  userName: string,
  credential: { password?: string; privateKey?: string },
) => Promise<boolean>;

/** The login check bound to `sshd`: true when it lets the user in, false when it refuses. */
export function sshdLoginCheck(sshd: SshdServer): SshdLoginCheck {
  return (userName, credential) =>
    canLogIn({
      host: sshd.host,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      userName,
      ...credential,
    });
}

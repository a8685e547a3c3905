/**
 * What an ECS rotator needs from the server a secret names, whichever way
 * it is reached (the host transport): a session that may change the user's
 * credential, and a check that a credential logs in. The password and key
 * logic (ecs-password-rotator.ts, ecs-ssh-key-rotator.ts) is written once
 * against this; ecs-ssh-host.ts and cloud-assistant/ecs-cloud-assistant-host.ts
 * implement it, and ecs-transport-choice.ts picks one per value.
 *
 * A session runs shell commands with a standard input (SshSession): the
 * password change, the shadow check and the authorized_keys edits are
 * commands, so they run unchanged over every transport.
 */
import type { SshSession } from "./ecs-ssh-session.ts";

/** Which version of the secret a credential comes from. */
export type CredentialLabel = "pending" | "current" | "previous";

/** One credential of the secret, tried as the user's own login. */
export interface UserLogin {
  label: CredentialLabel;
  credential: { password: string } | { privateKey: string };
}

/**
 * A session that may change the user's credential. As root, the rotator
 * must first prove, on the server, that the secret holds the user's
 * credential now (root could change any account's); as the user, the
 * accepted login is that proof.
 */
export type EditingSession =
  | { asRoot: true; session: SshSession }
  | { asRoot: false; session: SshSession; acceptedLogin: CredentialLabel };

/** A credential to prove: a password, or a key pair. */
export type LoginCredential = { password: string } | { publicKey: string; privateKey: string };

export interface EcsHost {
  /**
   * How the step's external calls are named (`ssh.chpasswd`,
   * `ecs.cloud-assistant.chpasswd`): logs, crash injection and the crash
   * campaign's reports read them.
   */
  readonly calls: "ssh" | "ecs.cloud-assistant";
  /** The server, for messages: `10.0.0.7:22`, `instance i-bp1…`. */
  readonly where: string;
  /**
   * Root's session where the transport has one (Cloud Assistant always, SSH
   * with a privileged login), else the user's own with the first of
   * `logins` the server accepts. The caller closes it.
   */
  editingSession(logins: readonly UserLogin[]): Promise<EditingSession>;
  /** Proves that `credential` is the user's now; throws otherwise. */
  checkLogin(credential: LoginCredential): Promise<void>;
}

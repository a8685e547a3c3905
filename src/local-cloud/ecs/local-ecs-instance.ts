/**
 * How the local cloud reaches an "ECS instance": a real server on this
 * machine (or anywhere) that it logs in to over SSH with a privileged
 * (uid 0) account, the way Cloud Assistant's agent runs commands as root on
 * a real instance. Tests point an instance id at a throwaway sshd.
 *
 * @example
 * startLocalCloud({ ecsInstances: { "i-local01": {
 *   host: "127.0.0.1", port: 2222, hostKeyFingerprint: "SHA256:…",
 *   userName: "root2", password: "…" } } })
 */
export interface LocalEcsInstance {
  host: string;
  port: number;
  /** `SHA256:…` as `ssh-keygen -l -E sha256` prints it: the only host key trusted. */
  hostKeyFingerprint: string;
  /** A uid 0 account: Cloud Assistant runs commands as root. */
  userName: string;
  /** Exactly one of password and privateKey. */
  password?: string | undefined;
  privateKey?: string | undefined;
}

/** What the local ECS product serves: instance id → how to reach it. */
export type LocalEcsInstances = Readonly<Record<string, LocalEcsInstance>>;

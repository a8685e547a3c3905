/**
 * What stands behind an InstanceId of the local ApsaraDB for Redis/Tair
 * product: a real Redis 6+ server with ACLs and an administrator on it. The
 * product manages the instance's accounts as ACL users through that
 * administrator, as Tair's control plane does, so an account's password
 * and privilege are what the server itself enforces.
 *
 * @example
 * startLocalCloud({ redisInstances: { "r-local01": {
 *   host: "127.0.0.1", port: 6379, adminUser: "default", adminPassword: "…" } } })
 */
export interface LocalRedisInstance {
  host: string;
  port: number;
  /**
   * A user that may run every command (ACL SETUSER, DELUSER, GETUSER among
   * them): `default` on a server with only its default user, or an ACL user
   * of its own. Hidden from DescribeAccounts, and never an account.
   */
  adminUser: string;
  adminPassword: string;
  /**
   * Speak TLS to the server, trusting `ca` (PEM) for its certificate, or the
   * system's authorities without it; `servername` when the certificate names
   * another host than `host`.
   */
  tls?: { ca?: string | undefined; servername?: string | undefined } | undefined;
}

/** InstanceId (e.g. `r-local01`) → the server behind it. */
export type LocalRedisInstances = Readonly<Record<string, LocalRedisInstance>>;

/**
 * A Redis master secret: an administrator's login and the server it belongs
 * to. The administrator's password is sent only to that server, with the
 * master's own host, port and TLS settings: a secret's writer can name a
 * master secret, but cannot send its password anywhere else, and a secret
 * naming another server is refused before anything is sent.
 *
 * @example
 * { "AccountName": "admin", "AccountPassword": "…",
 *   "engine": "redis", "host": "10.0.0.7", "port": 6379,
 *   "tls": { "ca": "-----BEGIN CERTIFICATE-----…" } }
 */

import { ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { readPrivilegedSecret } from "../../contract/privileged-secret.ts";
import { describeIssues, type RotatorContext } from "../../contract/rotator-contract.ts";
import { sameHost, targetMismatch } from "../../contract/trust-boundary-errors.ts";
import type { RedisEndpoint } from "./redis-connection.ts";
import { type RedisSecretValue, redisTlsSettings } from "./redis-secret-value.ts";

const masterSecretSchema = z.object({
  AccountName: z.string().min(1),
  AccountPassword: z.string().min(1),
  engine: z.literal("redis"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** How the administrator connects, with the same meaning as in the rotated secret. */
  tls: redisTlsSettings.optional(),
});

export type RedisMasterSecret = z.infer<typeof masterSecretSchema>;

export const REDIS_MASTER_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine":"redis","host":"…","port":6379,' +
  '"tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"}}';

/**
 * Reads the master secret `value` names (only under the deployment's
 * ROTOR_MASTER_SECRET_PREFIXES) and refuses it, before anything is sent,
 * unless it belongs to the very server the secret names.
 */
export async function readRedisMasterSecret(
  ctx: RotatorContext<unknown>,
  value: RedisSecretValue,
  name: string,
): Promise<RedisMasterSecret> {
  const raw = await readPrivilegedSecret(ctx, name, "master secret");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError(
      `The master secret ${name} is not JSON; expected ${REDIS_MASTER_SECRET_SHAPE}`,
    );
  }
  const parsed = masterSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      `${describeIssues(parsed.error, name, REDIS_MASTER_SECRET_SHAPE)}. A master secret names the server its login belongs to: see "Master secrets" in docs/rotators-redis.md`,
    );
  }
  const master = parsed.data;
  ctx.redact(master.AccountPassword);
  const differing = [
    ...(sameHost(master.host, value.host) ? [] : ["host"]),
    ...(master.port === value.port ? [] : ["port"]),
  ];
  if (differing.length > 0) throw targetMismatch(ctx.secretName, "master secret", name, differing);
  return master;
}

/** Where the administrator logs in: the master's own server and TLS settings. */
export function masterEndpoint(master: RedisMasterSecret): RedisEndpoint {
  return { host: master.host, port: master.port, tls: master.tls };
}

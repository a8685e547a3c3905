/**
 * A master secret: a database administrator's login and the server it
 * belongs to. The administrator's password is sent only to that server,
 * with the master's own host, port and TLS settings: a secret's writer can
 * name a master secret, but cannot send its password anywhere else, and a
 * secret naming another server is refused before anything is sent.
 *
 * @example
 * { "AccountName": "admin", "AccountPassword": "…",
 *   "engine": "mysql", "host": "10.0.0.5", "port": 3306,
 *   "tls": { "ca": "-----BEGIN CERTIFICATE-----…" } }
 */

import { ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { readPrivilegedSecret } from "../../contract/privileged-secret.ts";
import { describeIssues, type RotatorContext } from "../../contract/rotator-contract.ts";
import { sameHost, targetMismatch } from "../../contract/trust-boundary-errors.ts";
import type { DatabaseTarget } from "./database-accounts.ts";
import {
  DATABASE_ENGINES,
  type DatabaseSecretValue,
  tlsSettings,
} from "./database-secret-value.ts";

const masterSecretSchema = z.object({
  AccountName: z.string().min(1),
  AccountPassword: z.string().min(1),
  engine: z.enum(DATABASE_ENGINES),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** The database the administrator logs in to; default the rotated secret's. */
  database: z.string().min(1).optional(),
  /** How to reach the server, with the same meaning as in the rotated secret. */
  tls: tlsSettings.optional(),
});

export type MasterSecret = z.infer<typeof masterSecretSchema>;

export const MASTER_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine":"mysql"|"postgres","host":"…","port":3306,' +
  '"database"?:"…","tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"}}';

/**
 * Reads the master secret `value` names (only under the deployment's
 * ROTOR_MASTER_SECRET_PREFIXES) and refuses it, before anything is sent,
 * unless it belongs to the very server the secret names.
 */
export async function readMasterSecret(
  ctx: RotatorContext<unknown>,
  value: DatabaseSecretValue,
  name: string,
): Promise<MasterSecret> {
  const raw = await readPrivilegedSecret(ctx, name, "master secret");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError(
      `The master secret ${name} is not JSON; expected ${MASTER_SECRET_SHAPE}`,
    );
  }
  const parsed = masterSecretSchema.safeParse(json);
  if (!parsed.success) {
    // Names the missing or wrong fields (a master secret written before
    // masters carried their server lacks engine, host and port), never a value.
    throw new ValidationError(
      `${describeIssues(parsed.error, name, MASTER_SECRET_SHAPE)}. A master secret names the server its login belongs to: see "Master secrets" in docs/rotators-database.md`,
    );
  }
  const master = parsed.data;
  ctx.redact(master.AccountPassword);
  const differing = [
    ...(master.engine === value.engine ? [] : ["engine"]),
    ...(sameHost(master.host, value.host) ? [] : ["host"]),
    ...(master.port === value.port ? [] : ["port"]),
  ];
  if (differing.length > 0) throw targetMismatch(ctx.secretName, "master secret", name, differing);
  return master;
}

/** Where the administrator logs in: the master's own server and TLS settings. */
export function masterTarget(master: MasterSecret, value: DatabaseSecretValue): DatabaseTarget {
  return {
    host: master.host,
    port: master.port,
    database: master.database ?? value.database,
    tls: master.tls,
  };
}

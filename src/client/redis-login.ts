/**
 * The login a Redis secret holds, read from its value: top-level
 * `AccountName` and `AccountPassword` (an ACL user, or an ApsaraDB for
 * Redis/Tair account), and beside them, all optional here: `engine`
 * (`redis`), `host`, `port` and `tls`, the fields Rotor's Redis rotator
 * writes.
 *
 * Errors name the secret, the version and the field, never a value.
 */
import { ValidationError } from "@rotor/cloud-api";
import { type DatabaseTls, readPort, readTls } from "./database-login.ts";
import type { SecretVersion } from "./secret-version.ts";

export interface RedisLogin {
  /** The secret version the login came from. */
  readonly versionId: string;
  /** The ACL user (`AUTH <user> <password>`). */
  readonly user: string;
  /** Not enumerable: printing or serialising a login leaves it out. */
  readonly password: string;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly tls?: DatabaseTls | undefined;
}

export const REDIS_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine"?:"redis","host"?:"…","port"?:6379,' +
  '"tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"}}';

export function readRedisLogin(secret: SecretVersion): RedisLogin {
  const where = `Secret ${JSON.stringify(secret.secretName)} (version ${secret.versionId})`;
  const fail = (problem: string): never => {
    throw new ValidationError(`${where} ${problem}. Expected ${REDIS_SECRET_SHAPE}`);
  };
  let parsed: unknown;
  try {
    parsed = secret.json();
  } catch {
    return fail("is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return fail("must hold a JSON object");
  }
  const value = parsed as Record<string, unknown>;
  const text = (field: string, required: boolean): string | undefined => {
    const raw = value[field];
    if (raw === undefined && !required) return undefined;
    if (typeof raw !== "string" || raw === "") {
      return fail(
        raw === undefined ? `lacks ${field}` : `has ${field} that is not a non-empty string`,
      );
    }
    return raw;
  };
  const user = text("AccountName", true) as string;
  const password = text("AccountPassword", true) as string;
  const engine = text("engine", false);
  if (engine !== undefined && engine !== "redis") fail(`is for engine ${engine}, not redis`);
  const login = {
    versionId: secret.versionId,
    user,
    host: text("host", false),
    port: readPort(value.port, fail),
    tls: readTls(value.tls, fail),
  } as RedisLogin;
  Object.defineProperty(login, "password", { value: password, enumerable: false });
  return Object.freeze(login);
}

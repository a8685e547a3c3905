/**
 * The login a database secret holds, read from its value. Top-level
 * `AccountName` and `AccountPassword` (the keys Alibaba's own clients read),
 * and beside them, all optional here: `engine`, `host`, `port`, `database`,
 * `tls` — the same fields Rotor's database rotators write.
 *
 * Errors name the secret, the version and the field, never a value.
 */
import { ValidationError } from "@rotor/cloud-api";
import type { SecretVersion } from "./secret-version.ts";

export type DatabaseEngine = "mysql" | "postgres";

export interface DatabaseTls {
  /** PEM certificate(s) of the authority that signed the server's certificate. */
  ca?: string | undefined;
  /** Check the server's certificate and name (default true). */
  verify: boolean;
  /** The name to check the certificate against, when it differs from host. */
  serverName?: string | undefined;
}

export interface DatabaseLogin {
  /** The secret version the login came from. */
  readonly versionId: string;
  readonly user: string;
  /** Not enumerable: printing or serialising a login leaves it out. */
  readonly password: string;
  readonly engine?: DatabaseEngine | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly database?: string | undefined;
  readonly tls?: DatabaseTls | undefined;
}

export const DATABASE_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine"?:"mysql"|"postgres","host"?:"…",' +
  '"port"?:3306,"database"?:"…","tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"}}';

/** Reads the login; `expectedEngine` refuses a secret written for the other engine. */
export function readDatabaseLogin(
  secret: SecretVersion,
  expectedEngine: DatabaseEngine,
): DatabaseLogin {
  const where = `Secret ${JSON.stringify(secret.secretName)} (version ${secret.versionId})`;
  const fail = (problem: string): never => {
    throw new ValidationError(`${where} ${problem}. Expected ${DATABASE_SECRET_SHAPE}`);
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
  if (engine !== undefined && engine !== "mysql" && engine !== "postgres") {
    fail('has engine that is neither "mysql" nor "postgres"');
  }
  if (engine !== undefined && engine !== expectedEngine) {
    fail(`is for engine ${engine}, not ${expectedEngine}`);
  }
  const login: DatabaseLogin = {
    versionId: secret.versionId,
    user,
    engine: engine as DatabaseEngine | undefined,
    host: text("host", false),
    port: readPort(value.port, fail),
    database: text("database", false),
    tls: readTls(value.tls, fail),
  } as DatabaseLogin;
  Object.defineProperty(login, "password", { value: password, enumerable: false });
  return Object.freeze(login);
}

/** A secret's `port`: a whole number (or a string of digits) from 1 to 65535, or absent. */
export function readPort(raw: unknown, fail: (problem: string) => never): number | undefined {
  if (raw === undefined) return undefined;
  // RDS-style secrets sometimes carry the port as a string of digits.
  const port = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    return fail("has port that is not a whole number from 1 to 65535");
  }
  return port;
}

/** A secret's `tls`: `ca`, `verify` (default true) and `serverName`, or absent. */
export function readTls(raw: unknown, fail: (problem: string) => never): DatabaseTls | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("has tls that is not an object");
  }
  const tls = raw as Record<string, unknown>;
  if (tls.ca !== undefined && typeof tls.ca !== "string") fail("has tls.ca that is not a string");
  if (tls.verify !== undefined && typeof tls.verify !== "boolean") {
    fail("has tls.verify that is not true or false");
  }
  if (tls.serverName !== undefined && typeof tls.serverName !== "string") {
    fail("has tls.serverName that is not a string");
  }
  return {
    ca: tls.ca as string | undefined,
    verify: tls.verify !== false,
    serverName: tls.serverName as string | undefined,
  };
}

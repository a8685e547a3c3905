/**
 * Database failures, named by host, port, account and step so an operator
 * knows where to look. Never a password: a driver's error can quote the
 * statement it failed on (mysql2 keeps the whole SQL in `sql`), so driver
 * errors are never attached as `cause`; only their code and their message,
 * with every secret cut out, travel on.
 */
import { RotorError } from "@rotor/cloud-api";

/** Where a statement or login went, for messages. */
export interface DatabaseEndpointName {
  host: string;
  port: number;
  account: string;
}

export function describeEndpoint(endpoint: DatabaseEndpointName): string {
  return `account ${JSON.stringify(endpoint.account)} on ${endpoint.host}:${endpoint.port}`;
}

/** A driver error's code and message with each secret replaced by `[redacted]`. */
export function safeDetail(error: unknown, secrets: readonly string[]): string {
  const record = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  let message = typeof record.message === "string" ? record.message : String(error);
  for (const secret of secrets) {
    if (secret.length > 0) message = message.split(secret).join("[redacted]");
  }
  const code = typeof record.code === "string" ? `${record.code}: ` : "";
  return `${code}${message}`;
}

/** The server answered and refused these credentials. */
export class DatabaseLoginRefusedError extends RotorError {
  override name = "DatabaseLoginRefusedError";
  constructor(endpoint: DatabaseEndpointName, step: string, detail: string) {
    super(`${step}: login refused for ${describeEndpoint(endpoint)} (${detail})`);
  }
}

/** No answer, a TLS failure, or any other connection error that is not a refusal. */
export class DatabaseUnavailableError extends RotorError {
  override name = "DatabaseUnavailableError";
  constructor(endpoint: DatabaseEndpointName, step: string, detail: string) {
    super(`${step}: could not connect as ${describeEndpoint(endpoint)} (${detail})`);
  }
}

/** A statement failed; names the statement's purpose, not its text (it may hold a password). */
export class DatabaseStatementError extends RotorError {
  override name = "DatabaseStatementError";
  constructor(endpoint: DatabaseEndpointName, step: string, detail: string) {
    super(`${step} failed as ${describeEndpoint(endpoint)} (${detail})`);
  }
}

/** The secret asks for something the database or this rotator will not do. */
export class DatabaseRotationRefusedError extends RotorError {
  override name = "DatabaseRotationRefusedError";
}

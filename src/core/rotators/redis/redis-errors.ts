/**
 * Redis failures, named by host, port, user and step so an operator knows
 * where to look. Never a password, nor a password's hash: ioredis keeps the
 * failed command and its arguments on its errors (AUTH's are the password,
 * ACL SETUSER's the hashes), so its errors are never attached as `cause`;
 * only the server's reply code and text, with every secret cut out, travel on.
 */
import { RotorError } from "@rotor/cloud-api";

/** Where a command or login went, for messages. */
export interface RedisEndpointName {
  host: string;
  port: number;
  account: string;
}

export function describeRedisEndpoint(endpoint: RedisEndpointName): string {
  return `user ${JSON.stringify(endpoint.account)} on ${endpoint.host}:${endpoint.port}`;
}

/** The first word of a Redis error reply (`WRONGPASS`, `NOPERM`, `ERR`), when it is one. */
export function replyCode(error: unknown): string | undefined {
  const message = (error as { message?: unknown })?.message;
  if (typeof message !== "string") return undefined;
  return /^([A-Z][A-Z_]+)\b/.exec(message)?.[1];
}

/** An error's message with each secret replaced by `[redacted]`. */
export function scrubbedDetail(error: unknown, secrets: readonly string[]): string {
  const record = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  let message = typeof record.message === "string" ? record.message : String(error);
  for (const secret of secrets) {
    if (secret.length > 0) message = message.split(secret).join("[redacted]");
  }
  // A socket error names its cause in `code` (ECONNREFUSED, CERT_HAS_EXPIRED, …).
  const code =
    typeof record.code === "string" && !message.startsWith(record.code) ? `${record.code}: ` : "";
  return `${code}${message}`;
}

/** The server answered and refused these credentials (WRONGPASS). */
export class RedisLoginRefusedError extends RotorError {
  override name = "RedisLoginRefusedError";
  constructor(endpoint: RedisEndpointName, step: string, detail: string) {
    super(`${step}: login refused for ${describeRedisEndpoint(endpoint)} (${detail})`);
  }
}

/** No answer, a TLS failure, or any other connection error that is not a refusal. */
export class RedisUnavailableError extends RotorError {
  override name = "RedisUnavailableError";
  constructor(endpoint: RedisEndpointName, step: string, detail: string) {
    super(`${step}: could not connect as ${describeRedisEndpoint(endpoint)} (${detail})`);
  }
}

/** A command failed; names the command's purpose, not its arguments (they may hold a hash). */
export class RedisCommandError extends RotorError {
  override name = "RedisCommandError";
  constructor(
    endpoint: RedisEndpointName,
    step: string,
    detail: string,
    /** The reply's code: `NOPERM`, `ERR`, … */
    readonly replyCode: string | undefined,
    /** The connection had ended (the server closed it, e.g. CLIENT KILL): no reply came. */
    readonly connectionEnded = false,
  ) {
    super(`${step} failed as ${describeRedisEndpoint(endpoint)} (${detail})`);
  }
}

/** The secret asks for something the server or this rotator will not do. */
export class RedisRotationRefusedError extends RotorError {
  override name = "RedisRotationRefusedError";
}

/**
 * What can go wrong talking to a server over SSH, as distinct errors so a
 * rotation step can tell "this credential is refused" (an answer) from "the
 * server is not the one we pinned" or "no answer" (stop everything).
 * Messages name the host, port and user, never a password or key.
 */
import { RotorError } from "@rotor/cloud-api";

/** Where a connection went, for error messages. */
export interface SshEndpointName {
  host: string;
  port: number;
  userName: string;
}

function describe(endpoint: SshEndpointName): string {
  // Port 0: no SSH port, the command went through Cloud Assistant.
  if (endpoint.port === 0) return `${endpoint.userName}@${endpoint.host} (Cloud Assistant)`;
  return `${endpoint.userName}@${endpoint.host}:${endpoint.port}`;
}

/** The server showed a host key other than the pinned one: maybe not our server. */
export class EcsHostKeyMismatchError extends RotorError {
  override name = "EcsHostKeyMismatchError";
  constructor(
    endpoint: SshEndpointName,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `SSH host key of ${endpoint.host}:${endpoint.port} is ${actual}, but ${expected} is pinned: refusing to log in (if the server's key changed on purpose, update the pinned fingerprint)`,
    );
  }
}

/** The server answered, and refused these credentials. */
export class EcsLoginRefusedError extends RotorError {
  override name = "EcsLoginRefusedError";
  constructor(endpoint: SshEndpointName, method: string, cause?: unknown) {
    super(`SSH login ${describe(endpoint)} with ${method} was refused`, { cause });
  }
}

/** No SSH session: connection refused, reset, timed out, protocol error. */
export class EcsConnectionError extends RotorError {
  override name = "EcsConnectionError";
  constructor(endpoint: SshEndpointName, detail: string, cause?: unknown) {
    super(`SSH connection to ${describe(endpoint)} failed: ${detail}`, { cause });
  }
}

/** A remote command ran and failed. */
export class EcsCommandError extends RotorError {
  override name = "EcsCommandError";
  constructor(
    endpoint: SshEndpointName,
    readonly what: string,
    readonly exitCode: number | null,
    detail: string,
  ) {
    super(`${what} on ${describe(endpoint)} failed (exit ${exitCode ?? "by signal"}): ${detail}`);
  }
}

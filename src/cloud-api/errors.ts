/**
 * The project's error hierarchy. Every error Rotor throws is a RotorError, so
 * callers can tell ours from foreign ones, and every foreign error we wrap
 * travels as `cause`. Messages never carry secret values: callers build them
 * from names, codes and ids only.
 */
export class RotorError extends Error {
  override name = "RotorError";
}

/** Bad input from a user: a flag, an event, a secret value, a tag. */
export class ValidationError extends RotorError {
  override name = "ValidationError";
}

/** A configuration value (environment variable, option) is missing or wrong. */
export class ConfigError extends RotorError {
  override name = "ConfigError";
}

/**
 * What a secret's value or tags ask for lies outside what the function's
 * deployment allows (src/core/contract/deploy-policy.ts): refused before anything
 * is read from or sent to the target.
 */
export class PolicyError extends RotorError {
  override name = "PolicyError";
}

/** An Alibaba Cloud OpenAPI call answered with an error envelope. */
export class ApiError extends RotorError {
  override name = "ApiError";
  /** Alibaba's error code, e.g. `Forbidden.ResourceNotFound`. */
  readonly code: string;
  /** HTTP status of the answer. */
  readonly statusCode: number;
  /** Request id of the failed call, for support tickets and audit lines. */
  readonly requestId: string | undefined;
  /** The OpenAPI action that failed, e.g. `GetSecretValue`. */
  readonly action: string;

  constructor(options: {
    action: string;
    code: string;
    statusCode: number;
    message: string;
    requestId?: string | undefined;
    cause?: unknown;
  }) {
    super(`${options.action} failed: ${options.code}: ${options.message}`, {
      cause: options.cause,
    });
    this.action = options.action;
    this.code = options.code;
    this.statusCode = options.statusCode;
    this.requestId = options.requestId;
  }
}

/** A call never got an answer: connection refused, reset, or timed out. */
export class NetworkError extends RotorError {
  override name = "NetworkError";
  readonly action: string;
  constructor(action: string, detail: string, cause?: unknown) {
    super(`${action} failed: no answer from the endpoint (${detail})`, { cause });
    this.action = action;
  }
}

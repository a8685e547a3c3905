/**
 * `@rotor/client`: read rotated secrets in an application. The database
 * pools and the Redis client that keep working while their secret rotates
 * are entry points of their own, `@rotor/client/mysql`, `@rotor/client/pg`
 * and `@rotor/client/redis`, so that reading a secret loads no driver (all
 * three are optional peer dependencies). See docs/client.md.
 */

export { ApiError, ConfigError, NetworkError, RotorError, ValidationError } from "@rotor/cloud-api";
export type { DatabaseEngine, DatabaseLogin, DatabaseTls } from "./database-login.ts";
export { DATABASE_SECRET_SHAPE, readDatabaseLogin } from "./database-login.ts";
export { DEFAULT_PENDING_STAGE } from "./database-login-source.ts";
export type { SecretPoolOptions } from "./database-pool-options.ts";
export { REDIS_SECRET_SHAPE, type RedisLogin, readRedisLogin } from "./redis-login.ts";
export type { SecretLoginOptions } from "./secret-login-options.ts";
export { type SecretDataType, SecretVersion } from "./secret-version.ts";
export { ACS_CURRENT, type SecretSelector, SecretsClient } from "./secrets-client.ts";
export {
  type ClientLogger,
  DEFAULT_TTL_MS,
  type SecretsClientOptions,
} from "./secrets-client-options.ts";

/**
 * `rotor/client`: read rotated secrets in an application, and database pools
 * and a Redis client that keep working while their secret rotates. See
 * docs/client.md.
 */

export { ApiError, ConfigError, NetworkError, RotorError, ValidationError } from "../errors.ts";
export type { DatabaseEngine, DatabaseLogin, DatabaseTls } from "./database-login.ts";
export { DATABASE_SECRET_SHAPE, readDatabaseLogin } from "./database-login.ts";
export { DEFAULT_PENDING_STAGE } from "./database-login-source.ts";
export type { SecretPoolOptions } from "./database-pool-options.ts";
export { createMysqlPool, MYSQL_LOGIN_REFUSED, type MysqlPoolOptions } from "./mysql-pool.ts";
export { createPgPool, PG_LOGIN_REFUSED, type PgPoolOptions } from "./pg-pool.ts";
export { createRedisClient, isRedisLoginRefused, type RedisClientOptions } from "./redis-client.ts";
export { REDIS_SECRET_SHAPE, type RedisLogin, readRedisLogin } from "./redis-login.ts";
export type { SecretLoginOptions } from "./secret-login-options.ts";
export { type SecretDataType, SecretVersion } from "./secret-version.ts";
export { ACS_CURRENT, type SecretSelector, SecretsClient } from "./secrets-client.ts";
export {
  type ClientLogger,
  DEFAULT_TTL_MS,
  type SecretsClientOptions,
} from "./secrets-client-options.ts";

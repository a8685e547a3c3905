/**
 * Which login a database pool's new connections use: the secret login
 * rule (secret-login-source.ts) over database logins, so the MySQL and
 * PostgreSQL pools follow it alike.
 *
 * Open connections are never touched: a rotation that keeps the old login
 * valid (dual-account) lets them finish their work. One the server ends (an
 * emergency ends the leaked account's sessions) is dropped by the pool, and
 * the next checkout opens a new one through this source.
 */
import { type DatabaseEngine, type DatabaseLogin, readDatabaseLogin } from "./database-login.ts";
import { SecretLoginSource } from "./secret-login-source.ts";
import type { SecretsClient } from "./secrets-client.ts";

export { DEFAULT_PENDING_STAGE } from "./secret-login-source.ts";

export interface DatabaseLoginSourceOptions {
  secrets: SecretsClient;
  secretName: string;
  engine: DatabaseEngine;
  /** The pending stage to try after a refused login, or false to never try one. */
  pendingStage: string | false;
}

export class DatabaseLoginSource extends SecretLoginSource<DatabaseLogin> {
  constructor(options: DatabaseLoginSourceOptions) {
    super({ ...options, read: (version) => readDatabaseLogin(version, options.engine) });
  }
}

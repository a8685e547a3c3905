/**
 * createPgPool against a real PostgreSQL and the local cloud: the shared
 * rotation suite, plus what only createPgPool does.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPgPool } from "../../src/client/pg-pool.ts";
import { SecretsClient } from "../../src/client/secrets-client.ts";
import { ConfigError } from "../../src/cloud-api/errors.ts";
import { skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { type AdminDatabase, describeRotationSurvival } from "./support/rotation-survival.ts";

const skip = await skipUnlessPostgres();

describeRotationSurvival(
  {
    engine: "postgres",
    async startServer(): Promise<AdminDatabase> {
      const server = await startPostgres();
      const admin = new pg.Client({
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
        database: server.database,
      });
      await admin.connect();
      const quoted = (name: string) => admin.escapeIdentifier(name);
      return {
        host: server.host,
        port: server.port,
        database: server.database,
        async createAccount(name, password) {
          await admin.query(
            `CREATE ROLE ${quoted(name)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`,
          );
        },
        async setPassword(name, password) {
          await admin.query(`ALTER ROLE ${quoted(name)} PASSWORD ${admin.escapeLiteral(password)}`);
        },
        async stop() {
          await admin.end().catch(() => undefined);
          await server.stop();
        },
      };
    },
    createPool(secrets, secretName) {
      const pool = createPgPool({ secretName, secrets, max: 4 });
      const accountOf = (result: pg.QueryResult) => String(result.rows[0]?.who);
      return {
        async whoAmI() {
          return accountOf(await pool.query("SELECT current_user AS who"));
        },
        async whoAmIOnNewConnection() {
          const client = await pool.connect();
          try {
            return accountOf(await client.query("SELECT current_user AS who"));
          } finally {
            // Destroyed, not returned: the next checkout must log in again.
            client.release(true);
          }
        },
        async hold() {
          const client = await pool.connect();
          return {
            async whoAmI() {
              return accountOf(await client.query("SELECT current_user AS who"));
            },
            async release() {
              client.release();
            },
          };
        },
        async end() {
          await pool.end();
        },
      };
    },
  },
  skip,
);

describe("createPgPool options", () => {
  const secrets = new SecretsClient({
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "LTAI-not-used", accessKeySecret: "not-used" },
  });

  it("refuses a connection string beside the secret, naming the option", () => {
    // Act
    const create = () =>
      createPgPool({ secretName: "db", secrets, connectionString: "postgres://x" } as never);

    // Assess
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/remove connectionString/);
  });
});

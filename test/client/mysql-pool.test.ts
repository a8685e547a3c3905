/**
 * createMysqlPool against a real MariaDB and the local cloud: the shared
 * rotation suite, plus what only createMysqlPool does.
 */
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createMysqlPool } from "../../src/client/mysql-pool.ts";
import { SecretsClient } from "../../src/client/secrets-client.ts";
import { ConfigError, ValidationError } from "../../src/cloud-api/errors.ts";
import { skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type AdminDatabase, describeRotationSurvival } from "./support/rotation-survival.ts";

describeRotationSurvival(
  {
    engine: "mysql",
    async startServer(): Promise<AdminDatabase> {
      const server = await startMariaDb();
      const admin = await mysql.createConnection({
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      });
      return {
        host: server.host,
        port: server.port,
        async createAccount(name, password) {
          await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [name, password]);
        },
        async setPassword(name, password) {
          await admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [name, password]);
        },
        async stop() {
          await admin.end().catch(() => undefined);
          await server.stop();
        },
      };
    },
    createPool(secrets, secretName) {
      const pool = createMysqlPool({ secretName, secrets, connectionLimit: 4 });
      const accountOf = (rows: unknown) =>
        String((rows as { who: string }[])[0]?.who).replace(/@.*$/, "");
      return {
        async whoAmI() {
          const [rows] = await pool.query("SELECT CURRENT_USER() AS who");
          return accountOf(rows);
        },
        async whoAmIOnNewConnection() {
          const connection = await pool.getConnection();
          try {
            const [rows] = await connection.query("SELECT CURRENT_USER() AS who");
            return accountOf(rows);
          } finally {
            // Destroyed, not released: the next checkout must log in again.
            connection.destroy();
          }
        },
        async hold() {
          const connection = await pool.getConnection();
          return {
            async whoAmI() {
              const [rows] = await connection.query("SELECT CURRENT_USER() AS who");
              return accountOf(rows);
            },
            async release() {
              connection.release();
            },
          };
        },
        async end() {
          await pool.end();
        },
      };
    },
  },
  skipUnlessMariaDb(),
);

describe("createMysqlPool options", () => {
  const secrets = new SecretsClient({ endpoint: "http://127.0.0.1:9", credentials: fakeKeys() });

  it("refuses a password given beside the secret, naming the option", () => {
    // Act
    const create = () => createMysqlPool({ secretName: "db", secrets, password: "x" } as never);

    // Assess
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/remove password/);
  });

  it("refuses a missing secret name", () => {
    // Act
    const create = () => createMysqlPool({ secretName: " ", secrets });

    // Assess
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(/secretName/);
  });
});

function fakeKeys() {
  return { accessKeyId: "LTAI-not-used", accessKeySecret: "not-used" };
}

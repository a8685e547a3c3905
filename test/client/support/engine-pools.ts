/**
 * The two pools under one small interface, for tests that run the same
 * story on MariaDB and PostgreSQL.
 */
import { createMysqlPool } from "../../../src/client/mysql-pool.ts";
import { createPgPool } from "../../../src/client/pg-pool.ts";
import type { SecretsClient } from "../../../src/client/secrets-client.ts";

export interface ProbePool {
  /** On a brand-new connection, closed afterwards: the account it logged in as. */
  whoAmIOnNewConnection(): Promise<string>;
  end(): Promise<void>;
}

export function probePool(
  engine: "mysql" | "postgres",
  secrets: SecretsClient,
  secretName: string,
): ProbePool {
  if (engine === "mysql") {
    const pool = createMysqlPool({ secretName, secrets, connectionLimit: 2 });
    return {
      async whoAmIOnNewConnection() {
        const connection = await pool.getConnection();
        try {
          const [rows] = await connection.query("SELECT CURRENT_USER() AS who");
          return String((rows as { who: string }[])[0]?.who).replace(/@.*$/, "");
        } finally {
          // Destroyed, not released: the next checkout must log in again.
          connection.destroy();
        }
      },
      end: () => pool.end(),
    };
  }
  const pool = createPgPool({ secretName, secrets, max: 2 });
  return {
    async whoAmIOnNewConnection() {
      const client = await pool.connect();
      try {
        return String((await client.query("SELECT current_user AS who")).rows[0]?.who);
      } finally {
        // pg-pool's end() does not wait for the clients it closes: wait
        // here, so no session outlives the test (and meets the server's stop).
        const ended = new Promise((resolve) => client.once("end", resolve));
        client.release(true);
        await ended;
      }
    },
    end: () => pool.end(),
  };
}

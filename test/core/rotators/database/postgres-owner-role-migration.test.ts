/**
 * The migration guide of docs/rotators-database.md ("Migrating an existing
 * dual-account secret"), run as written on a real PostgreSQL: a secret
 * rotated in dual mode whose tables belong to `app` and to `app_rt` (so
 * neither can alter the other's), then the guide's SQL, read from the page
 * itself, its two versions with `ownerRole`, and a rotation. Afterwards
 * each account alters, writes and drops what the other created. The names
 * are the guide's own (`app`, `app_rt`, `app_owner`), so this suite has a
 * server to itself.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../../../scripts/build/bundle-functions.ts";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import { createMasterSecret } from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";
import { ownerOf, roleFacts, runAs, runAsAdmin } from "./postgres-owner-role-fixtures.ts";

const GUIDE = "#### Migrating an existing dual-account secret";

/** The guide's SQL blocks, in order. */
async function guideSql(): Promise<string[]> {
  const page = await readFile(join(REPO_ROOT, "docs", "rotators-database.md"), "utf8");
  const start = page.indexOf(GUIDE);
  expect(start, `docs/rotators-database.md has "${GUIDE}"`).toBeGreaterThan(0);
  const end = page.indexOf("\n#", start + GUIDE.length);
  const guide = page.slice(start, end < 0 ? undefined : end);
  return [...guide.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) =>
    (match[1] as string).replace(/^ {3}/gm, ""),
  );
}

describe.skipIf(await skipUnlessPostgres())("the owner-role migration guide, as written", () => {
  let server: RunningPostgres;
  let setup: DatabaseRotationSetup;

  beforeAll(async () => {
    [server, setup] = await Promise.all([startPostgres(), startDatabaseRotationSetup()]);
  });
  afterAll(async () => {
    await setup?.close();
    await server?.stop();
  });

  it("moves two accounts' tables to the owner role, after which each alters and drops the other's", async () => {
    // Prepare: a dual-account secret as it was before owner roles, privileges on its base role.
    await runAsAdmin(
      server,
      `CREATE ROLE app LOGIN PASSWORD 'Init-app-0123456789'; CREATE SCHEMA shop;
       GRANT USAGE, CREATE ON SCHEMA shop TO app`,
    );
    const master = await createMasterSecret(setup.kms, { engine: "postgres", server }, "master-m");
    const secretName = await setup.createSecret("postgres-migrated", {
      AccountName: "app",
      AccountPassword: "Init-app-0123456789",
      engine: "postgres",
      host: server.host,
      port: server.port,
      database: server.database,
      masterSecret: master,
    });
    const as = async (stage: string, sql: string) => {
      const value = await setup.read(secretName, stage);
      return runAs(server, value.AccountName, value.AccountPassword, sql);
    };
    await as("ACSCurrent", "CREATE TABLE shop.orders (id serial PRIMARY KEY)");
    await setup.engine().rotate({ secretName });
    await as("ACSCurrent", "CREATE TABLE shop.refunds (id int); CREATE SEQUENCE shop.refund_no");
    const othersTable = as("ACSPrevious", "ALTER TABLE shop.refunds ADD COLUMN note text");
    await expect(othersTable).rejects.toThrow(/must be owner/);
    const [createOwner, handOver] = await guideSql();

    // Act: step 1, step 2 (and the GRANT statements its queries print), step 3, step 4
    await runAsAdmin(server, createOwner as string);
    // Statements end a line; the queries' own semicolons sit inside quotes.
    const [reassign, ...queries] = (handOver as string)
      .split(/;\s*\n/)
      .map((statement) => statement.trim())
      .filter((statement) => statement.length > 0);
    await runAsAdmin(server, reassign as string);
    for (const query of queries) {
      for (const row of await runAsAdmin(server, query)) {
        await runAsAdmin(server, Object.values(row)[0] as string);
      }
    }
    // Both values read first: ACSPrevious's goes in first, ACSCurrent's on top.
    const values = [
      await setup.read(secretName, "ACSPrevious"),
      await setup.read(secretName, "ACSCurrent"),
    ];
    for (const [index, value] of values.entries()) {
      const { versionId: _versionId, ...stored } = value;
      await setup.kms.putSecretValue({
        secretName,
        versionId: `owner-${index + 1}`,
        secretData: JSON.stringify({
          ...stored,
          ownerRole: "app_owner",
        } satisfies DatabaseSecretValue),
      });
    }
    const rotated = await setup.engine().rotate({ secretName });

    // Assess: each account alters, writes and drops what the other made
    expect(rotated.outcome).toBe("rotated");
    expect(await ownerOf(server, "shop.orders")).toBe("app_owner");
    expect(await ownerOf(server, "shop.refunds")).toBe("app_owner");
    await as(
      "ACSPrevious",
      `ALTER TABLE shop.refunds ADD COLUMN note text; INSERT INTO shop.refunds VALUES (1, 'x');
       SELECT nextval('shop.refund_no')`,
    );
    await as(
      "ACSCurrent",
      "ALTER TABLE shop.orders ADD COLUMN note text; INSERT INTO shop.orders (note) VALUES ('y')",
    );
    await as("ACSCurrent", "CREATE TABLE shop.made_after (id int)");
    await setup.engine().rotate({ secretName });
    await as(
      "ACSCurrent",
      "DROP TABLE shop.made_after; DROP TABLE shop.refunds; DROP SEQUENCE shop.refund_no; DROP TABLE shop.orders",
    );
    for (const account of ["app", "app_rt"]) {
      expect(await roleFacts(server, account)).toMatchObject({
        member_of: expect.arrayContaining(["app_owner"]),
        setting: "role=app_owner",
      });
    }
  }, 120_000);
});

import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalRunner } from "../../../../src/core/rotators/database/database-accounts.ts";
import { DatabaseLoginRefusedError } from "../../../../src/core/rotators/database/database-errors.ts";
import { postgresAccounts } from "../../../../src/core/rotators/database/postgres-accounts.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";

const direct: ExternalRunner = (_name, call) => call();
const unique = (prefix: string) => `${prefix}${randomBytes(3).toString("hex")}`;

describe.skipIf(await skipUnlessPostgres())("PostgreSQL role operations", () => {
  let db: RunningPostgres;
  let admin: pg.Client;
  const target = () => ({ host: db.host, port: db.port });
  const asAdmin = () =>
    postgresAccounts.login(
      target(),
      { account: db.adminUser, password: db.adminPassword },
      "test",
      direct,
    );
  const canLogin = async (account: string, password: string) => {
    try {
      const session = await postgresAccounts.login(target(), { account, password }, "t", direct);
      await session.close();
      return true;
    } catch (error) {
      if (error instanceof DatabaseLoginRefusedError) return false;
      throw error;
    }
  };

  beforeAll(async () => {
    db = await startPostgres();
    admin = new pg.Client({
      host: db.host,
      port: db.port,
      user: db.adminUser,
      password: db.adminPassword,
      database: db.database,
    });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.stop();
  });

  it("refuses a wrong password with an error naming account, host and port but not the password", async () => {
    // Prepare
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    // Act
    const error = await postgresAccounts
      .login(target(), { account: db.adminUser, password: wrong }, "testSecret", direct)
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DatabaseLoginRefusedError);
    const message = String((error as Error).message);
    expect(message).toContain(`account "${db.adminUser}"`);
    expect(message).toContain(`${db.host}:${db.port}`);
    expect(message).not.toContain(wrong);
  });

  it("creates the alternate as a member of the base role, so it reads what the base reads, now and later", async () => {
    // Prepare
    const base = unique(`app"; DROP TABLE x; --`);
    const alternate = `${base}_rt`;
    const table = unique("orders");
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(base)} LOGIN PASSWORD 'pw-1'`);
    await admin.query(`CREATE TABLE ${table} (id int)`);
    await admin.query(`GRANT SELECT ON ${table} TO ${admin.escapeIdentifier(base)}`);
    const session = await asAdmin();
    const password = "it's\\a;-- /*x*/ pw";

    // Act
    await session.syncAlternate({ current: base, alternate, base, password });
    await session.syncAlternate({ current: base, alternate, base, password });
    await session.close();

    // Assess
    expect(await canLogin(alternate, password)).toBe(true);
    const asAlternate = new pg.Client({
      host: db.host,
      port: db.port,
      user: alternate,
      password,
      database: db.database,
    });
    await asAlternate.connect();
    try {
      await expect(asAlternate.query(`SELECT * FROM ${table}`)).resolves.toBeDefined();
      const later = unique("later");
      await admin.query(`CREATE TABLE ${later} (id int)`);
      await admin.query(`GRANT SELECT ON ${later} TO ${admin.escapeIdentifier(base)}`);
      await expect(asAlternate.query(`SELECT * FROM ${later}`)).resolves.toBeDefined();
    } finally {
      await asAlternate.end();
    }
  });

  it("makes an alternate that lost its membership in the base role a member again, and sets its password", async () => {
    // Prepare
    const base = unique("shop");
    const alternate = `${base}_rt`;
    await admin.query(`CREATE ROLE ${base} LOGIN PASSWORD 'pw-1'`);
    const session = await asAdmin();
    await session.syncAlternate({ current: base, alternate, base, password: "pw-2" });
    await admin.query(`REVOKE ${base} FROM ${alternate}`);

    // Act
    await session.syncAlternate({ current: base, alternate, base, password: "pw-3" });
    await session.close();

    // Assess
    const { rows } = await admin.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
         JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2`,
      [base, alternate],
    );
    expect(rows).toHaveLength(1);
    expect(await canLogin(alternate, "pw-3")).toBe(true);
    expect(await canLogin(alternate, "pw-2")).toBe(false);
  });

  it("reads the roles ahead, so syncAlternate then only sets the password", async () => {
    // Prepare
    const base = unique("stock");
    const alternate = `${base}_rt`;
    await admin.query(`CREATE ROLE ${base} LOGIN PASSWORD 'pw-1'`);
    const first = await asAdmin();
    await first.syncAlternate({ current: base, alternate, base, password: "pw-2" });
    await first.close();
    const calls: string[] = [];
    const recording: ExternalRunner = (name, call) => {
      calls.push(name);
      return call();
    };
    const session = await postgresAccounts.login(
      target(),
      { account: db.adminUser, password: db.adminPassword },
      "test",
      recording,
    );

    // Act
    await session.readAheadForSync({ current: base, alternate, base });
    const readAhead = calls.splice(0);
    await session.syncAlternate({ current: base, alternate, base, password: "pw-3" });
    await session.close();

    // Assess
    expect(readAhead).toEqual(["postgres.login", "postgres.readRoles"]);
    expect(calls).toEqual(["postgres.alterPassword"]);
    expect(await canLogin(alternate, "pw-3")).toBe(true);
  });

  it("refuses when the base role does not exist, and creates nothing", async () => {
    // Prepare
    const base = unique("gone");
    const alternate = `${base}_rt`;
    const session = await asAdmin();

    // Act
    const error = await session
      .syncAlternate({ current: base, alternate, base, password: "pw-1" })
      .catch((e: unknown) => e);
    await session.close();

    // Assess
    expect(String((error as Error).message)).toContain(`role "${base}" does not exist`);
    const { rows } = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [alternate]);
    expect(rows).toHaveLength(0);
  });

  it("sets passwords through the master and through the account itself", async () => {
    // Prepare
    const role = unique("solo");
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'first-pw'`);
    const session = await asAdmin();

    // Act
    await session.setPassword(role, "second-pw");
    await session.close();
    const own = await postgresAccounts.login(
      target(),
      { account: role, password: "second-pw" },
      "t",
      direct,
    );
    await own.changeOwnPassword("third-pw");
    await own.close();

    // Assess
    expect(await canLogin(role, "third-pw")).toBe(true);
    expect(await canLogin(role, "second-pw")).toBe(false);
    expect(await canLogin(role, "first-pw")).toBe(false);
  });

  it("ends the open sessions of a role", async () => {
    // Prepare
    const role = unique("leaky");
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-1'`);
    const victim = new pg.Client({
      host: db.host,
      port: db.port,
      user: role,
      password: "pw-1",
      database: db.database,
    });
    victim.on("error", () => undefined);
    await victim.connect();
    const session = await asAdmin();

    // Act
    await session.endSessions(role);
    await session.close();

    // Assess
    await expect(victim.query("SELECT 1")).rejects.toThrow();
    await victim.end().catch(() => undefined);
  });
});

import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalRunner } from "../../../../src/core/rotators/database/database-accounts.ts";
import { DatabaseLoginRefusedError } from "../../../../src/core/rotators/database/database-errors.ts";
import { mysqlAccounts } from "../../../../src/core/rotators/database/mysql-accounts.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";

const direct: ExternalRunner = (_name, call) => call();
const unique = (prefix: string) => `${prefix}${randomBytes(3).toString("hex")}`;

describe.skipIf(skipUnlessMariaDb())("MySQL account operations against MariaDB", () => {
  let db: RunningMariaDb;
  let admin: mysql.Connection;
  const target = () => ({ host: db.host, port: db.port });
  const asAdmin = () =>
    mysqlAccounts.login(
      target(),
      { account: db.adminUser, password: db.adminPassword },
      "test",
      direct,
    );

  beforeAll(async () => {
    db = await startMariaDb();
    admin = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.adminUser,
      password: db.adminPassword,
    });
  });
  afterAll(async () => {
    await admin?.end();
    await db?.stop();
  });

  /** An administrator's session whose external calls are recorded by name, login included. */
  async function asRecordedAdmin() {
    const calls: string[] = [];
    const recording: ExternalRunner = (name, call) => {
      calls.push(name);
      return call();
    };
    const session = await mysqlAccounts.login(
      target(),
      { account: db.adminUser, password: db.adminPassword },
      "test",
      recording,
    );
    return { session, calls };
  }

  /** True when every host of the account has this password (MariaDB's hash compared). */
  async function hasPassword(account: string, password: string): Promise<boolean> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT authentication_string = PASSWORD(?) AS matches FROM mysql.user WHERE User = ?",
      [password, account],
    );
    return rows.length > 0 && rows.every((row) => Number(row.matches) === 1);
  }

  /** SHOW GRANTS with the account (as SHOW GRANTS quotes it) replaced and the hash cut, sorted. */
  async function grantsOf(user: string, host = "%"): Promise<string[]> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SHOW GRANTS FOR ?@?", [user, host]);
    const grantee = `\`${user.replaceAll("`", "``")}\`@\`${host}\``;
    return rows
      .map((row) => String(Object.values(row)[0]))
      .map((line) =>
        line
          .replace(/ IDENTIFIED BY PASSWORD '[^']*'/, "")
          .split(grantee)
          .join("<who>"),
      )
      .sort();
  }

  it("refuses a wrong password with an error naming account, host and port but not the password", async () => {
    // Prepare
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    // Act
    const attempt = mysqlAccounts.login(
      target(),
      { account: "root", password: wrong },
      "testSecret",
      direct,
    );
    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseLoginRefusedError);
    const message = String((error as Error).message);
    expect(message).toContain('account "root"');
    expect(message).toContain(`${db.host}:${db.port}`);
    expect(message).toContain("testSecret");
    expect(message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it("creates the alternate with the current account's hosts, TLS requirement, grants and roles", async () => {
    // Prepare
    const schema = unique("shop'; --");
    const user = unique("app'\\;--");
    const role = unique("reader");
    await admin.query(`CREATE DATABASE ${mysql.escapeId(schema)}`);
    await admin.query(`CREATE TABLE ${mysql.escapeId(schema)}.orders (id INT, note TEXT)`);
    for (const host of ["%", "localhost"]) {
      await admin.query("CREATE USER ?@? IDENTIFIED BY 'pw-1' REQUIRE SSL", [user, host]);
    }
    await admin.query(`GRANT SELECT, INSERT ON ${mysql.escapeId(schema)}.* TO ?@'%'`, [user]);
    await admin.query(`GRANT UPDATE (note) ON ${mysql.escapeId(schema)}.orders TO ?@'%'`, [user]);
    await admin.query("GRANT PROCESS ON *.* TO ?@'%' WITH GRANT OPTION", [user]);
    await admin.query(`CREATE ROLE ${mysql.escapeId(role)}`);
    await admin.query(`GRANT ${mysql.escapeId(role)} TO ?@'%'`, [user]);
    const alternate = `${user}_rt`;
    const session = await asAdmin();

    // Act
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await session.close();

    // Assess
    expect(await grantsOf(alternate)).toEqual(await grantsOf(user));
    expect((await grantsOf(alternate)).join("\n")).toMatch(/PROCESS ON \*\.\*.*WITH GRANT OPTION/);
    expect((await grantsOf(alternate)).join("\n")).toContain(`GRANT \`${role}\` TO`);
    expect((await grantsOf(alternate)).join("\n")).toContain("UPDATE (`note`)");
    expect(await grantsOf(alternate, "localhost")).toEqual(await grantsOf(user, "localhost"));
    const [tls] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT Host, ssl_type FROM mysql.user WHERE User = ? ORDER BY Host",
      [alternate],
    );
    expect(tls.map((row) => [row.Host, row.ssl_type])).toEqual([
      ["%", "ANY"],
      ["localhost", "ANY"],
    ]);
  });

  it("brings the alternate's grants in line again: later grants added, revoked ones removed", async () => {
    // Prepare
    const schema = unique("crm");
    const user = unique("crm_app");
    const alternate = `${user}_rt`;
    await admin.query(`CREATE DATABASE ${mysql.escapeId(schema)}`);
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-1'", [user]);
    await admin.query(`GRANT SELECT ON ${mysql.escapeId(schema)}.* TO ?@'%'`, [user]);
    const session = await asAdmin();
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await admin.query(`GRANT DELETE ON ${mysql.escapeId(schema)}.* TO ?@'%'`, [user]);
    await admin.query(`REVOKE SELECT ON ${mysql.escapeId(schema)}.* FROM ?@'%'`, [user]);

    // Act
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await session.close();

    // Assess
    expect(await grantsOf(alternate)).toEqual(await grantsOf(user));
    expect((await grantsOf(alternate)).join("\n")).toContain("GRANT DELETE ON");
    expect((await grantsOf(alternate)).join("\n")).not.toContain("SELECT");
  });

  it("only sets the password of an alternate already in line: SHOW GRANTS agree, the catalogue is not read, the version comes with the greeting", async () => {
    // Prepare
    const schema = unique("ledger");
    const user = unique("ledger_app");
    const alternate = `${user}_rt`;
    await admin.query(`CREATE DATABASE ${mysql.escapeId(schema)}`);
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-1' REQUIRE SSL", [user]);
    await admin.query(`GRANT SELECT ON ${mysql.escapeId(schema)}.* TO ?@'%'`, [user]);
    const first = await asAdmin();
    await first.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await first.close();
    const { session, calls } = await asRecordedAdmin();

    // Act
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-3" });
    await session.close();

    // Assess
    expect(calls).toEqual([
      "mysql.login",
      "mysql.readAccounts",
      "mysql.showGrants",
      "mysql.showGrants",
      "mysql.alterPassword",
    ]);
    expect(await hasPassword(alternate, "pw-3")).toBe(true);
    expect(await grantsOf(alternate)).toEqual(await grantsOf(user));
  });

  it("reads ahead what syncAlternate needs, so syncAlternate then only sets the password", async () => {
    // Prepare
    const user = unique("orders_app");
    const alternate = `${user}_rt`;
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-1'", [user]);
    const first = await asAdmin();
    await first.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await first.close();
    const { session, calls } = await asRecordedAdmin();

    // Act
    await session.readAheadForSync({ current: user, alternate, base: user });
    const readAhead = calls.splice(0);
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-3" });
    await session.close();

    // Assess
    expect(readAhead).toEqual([
      "mysql.login",
      "mysql.readAccounts",
      "mysql.showGrants",
      "mysql.showGrants",
    ]);
    expect(calls).toEqual(["mysql.alterPassword"]);
    expect(await hasPassword(alternate, "pw-3")).toBe(true);
  });

  it("copies a TLS requirement and resource limits the current account gained after the alternate was made", async () => {
    // Prepare
    const user = unique("billing_app");
    const alternate = `${user}_rt`;
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-1'", [user]);
    const session = await asAdmin();
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-2" });
    await admin.query(
      "ALTER USER ?@'%' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 50 MAX_USER_CONNECTIONS 3",
      [user],
    );

    // Act
    await session.syncAlternate({ current: user, alternate, base: user, password: "pw-3" });
    await session.close();

    // Assess
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT ssl_type, max_questions, max_user_connections FROM mysql.user WHERE User = ?",
      [alternate],
    );
    expect(rows.map((row) => [row.ssl_type, row.max_questions, row.max_user_connections])).toEqual([
      ["ANY", 50, 3],
    ]);
    expect(await grantsOf(alternate)).toEqual(await grantsOf(user));
  });

  it("sets a password that logs in, and changes its own password in single-user mode", async () => {
    // Prepare
    const user = unique("solo");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'first-pw'", [user]);
    const session = await asAdmin();
    const quoted = "it's\\a;-- /*x*/ 'pw'";

    // Act
    await session.setPassword(user, quoted);
    await session.close();
    const own = await mysqlAccounts.login(
      target(),
      { account: user, password: quoted },
      "t",
      direct,
    );
    await own.changeOwnPassword("second-pw");
    await own.close();

    // Assess
    const login = (password: string) =>
      mysqlAccounts
        .login(target(), { account: user, password }, "t", direct)
        .then((s) => s.close());
    await expect(login("second-pw")).resolves.toBeUndefined();
    await expect(login(quoted)).rejects.toBeInstanceOf(DatabaseLoginRefusedError);
    await expect(login("first-pw")).rejects.toBeInstanceOf(DatabaseLoginRefusedError);
  });

  it("ends the open sessions of an account", async () => {
    // Prepare
    const user = unique("leaky");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-1'", [user]);
    const victim = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user,
      password: "pw-1",
    });
    victim.on("error", () => undefined);
    const session = await asAdmin();

    // Act
    await session.endSessions(user);
    await session.close();

    // Assess
    await expect(victim.query("SELECT 1")).rejects.toThrow();
    victim.destroy();
  });

  it("reports the server's account name limit (MariaDB: 80)", async () => {
    const session = await asAdmin();
    expect(await session.maxAccountNameLength()).toBe(80);
    await session.close();
  });
});

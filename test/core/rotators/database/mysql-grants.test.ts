/**
 * The alternate account gets exactly the current account's grants on a real
 * MariaDB: table, column, routine, GRANT OPTION, roles with their default,
 * proxies, resource limits, names with dots, backticks and wildcards; grants
 * taken from the current account leave the alternate at the next rotation;
 * what cannot be copied is refused by name, with no password or hash shown.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalRunner } from "../../../../src/core/rotators/database/database-accounts.ts";
import {
  DatabaseRotationRefusedError,
  DatabaseStatementError,
} from "../../../../src/core/rotators/database/database-errors.ts";
import { mysqlAccounts } from "../../../../src/core/rotators/database/mysql-accounts.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import { createMasterSecret } from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";

const direct: ExternalRunner = (_name, call) => call();
const unique = (prefix: string) => `${prefix}${randomBytes(3).toString("hex")}`;
const id = (name: string) => mysql.escapeId(name, true);
const newPassword = () => `Pw-${randomBytes(12).toString("hex")}`;

describe.skipIf(skipUnlessMariaDb())("MySQL alternate account grants against MariaDB", () => {
  let db: RunningMariaDb;
  let admin: mysql.Connection;
  let setup: DatabaseRotationSetup;

  beforeAll(async () => {
    [db, setup] = await Promise.all([startMariaDb(), startDatabaseRotationSetup()]);
    admin = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.adminUser,
      password: db.adminPassword,
    });
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await setup?.close();
    await db?.stop();
  }, 60_000);

  /** Runs syncAlternate as the administrator, through `run` (direct by default). */
  async function sync(
    current: string,
    alternate: string,
    password: string,
    run: ExternalRunner = direct,
  ): Promise<void> {
    const session = await mysqlAccounts.login(
      { host: db.host, port: db.port },
      { account: db.adminUser, password: db.adminPassword },
      "setSecret",
      run,
    );
    try {
      await session.syncAlternate({ current, alternate, base: current, password });
    } finally {
      await session.close();
    }
  }

  /** SHOW GRANTS with the grantee replaced and the password hash cut, sorted. */
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

  /** Logs in as the account and runs the work; the connection is closed afterwards. */
  async function asAccount<T>(
    user: string,
    password: string,
    work: (connection: mysql.Connection) => Promise<T>,
  ): Promise<T> {
    const connection = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user,
      password,
    });
    try {
      return await work(connection);
    } finally {
      await connection.end();
    }
  }

  /** The server's error code (its number when the driver has no name for it) for the statement, or "ok". */
  async function outcome(connection: mysql.Connection, sql: string): Promise<string> {
    try {
      await connection.query(sql);
      return "ok";
    } catch (error) {
      const { code, errno } = error as { code?: string; errno?: number };
      return code ?? `errno ${errno}`;
    }
  }

  /** A schema with a table `orders (id, note)`, a procedure and a function. */
  async function createSchema(prefix: string) {
    const schema = unique(prefix);
    const orders = `${id(schema)}.orders`;
    await admin.query(`CREATE DATABASE ${id(schema)}`);
    await admin.query(`CREATE TABLE ${orders} (id INT, note TEXT)`);
    await admin.query(`INSERT INTO ${orders} VALUES (1, 'first')`);
    await admin.query(`CREATE TABLE ${id(schema)}.audit (id INT)`);
    await admin.query(`CREATE PROCEDURE ${id(schema)}.close_day() SELECT 42 AS closed`);
    await admin.query(
      `CREATE FUNCTION ${id(schema)}.tax(x INT) RETURNS INT DETERMINISTIC RETURN x * 2`,
    );
    return { schema, orders, q: id(schema) };
  }

  it("gives the alternate the current account's table, column, routine, GRANT OPTION, role and default role grants, and they work", async () => {
    // Prepare
    const { orders, q } = await createSchema("sales");
    const user = unique("app");
    const alternate = `${user}_rt`;
    const role = unique("auditor");
    const bystander = unique("bystander");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-bystander'", [bystander]);
    await admin.query(`GRANT SELECT, INSERT ON ${orders} TO ?@'%' WITH GRANT OPTION`, [user]);
    await admin.query(`GRANT UPDATE (note) ON ${orders} TO ?@'%'`, [user]);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${q}.close_day TO ?@'%'`, [user]);
    await admin.query(`GRANT EXECUTE ON FUNCTION ${q}.tax TO ?@'%' WITH GRANT OPTION`, [user]);
    await admin.query(`CREATE ROLE ${id(role)}`);
    await admin.query(`GRANT SELECT ON ${q}.audit TO ${id(role)}`);
    await admin.query(`GRANT ${id(role)} TO ?@'%'`, [user]);
    await admin.query(`SET DEFAULT ROLE ${id(role)} FOR ?@'%'`, [user]);
    await admin.query("ALTER USER ?@'%' WITH MAX_USER_CONNECTIONS 7", [user]);
    const password = newPassword();

    // Act
    await sync(user, alternate, password);

    // Assess
    const copied = await grantsOf(alternate);
    expect(copied).toEqual(await grantsOf(user));
    const text = copied.join("\n");
    expect(text).toContain(`GRANT EXECUTE ON PROCEDURE ${q}.\`close_day\` TO <who>`);
    expect(text).toContain(`GRANT EXECUTE ON FUNCTION ${q}.\`tax\` TO <who> WITH GRANT OPTION`);
    expect(text).toContain("UPDATE (`note`)");
    expect(text).toContain(`GRANT \`${role}\` TO <who>`);
    expect(text).toContain(`SET DEFAULT ROLE \`${role}\` FOR <who>`);
    expect(text).toContain("MAX_USER_CONNECTIONS 7");
    await asAccount(alternate, password, async (connection) => {
      const [called] = await connection.query<mysql.RowDataPacket[][]>(`CALL ${q}.close_day()`);
      expect(called[0]?.[0]?.closed).toBe(42);
      const [taxed] = await connection.query<mysql.RowDataPacket[]>(`SELECT ${q}.tax(21) AS v`);
      expect(taxed[0]?.v).toBe(42);
      const [roleRows] = await connection.query<mysql.RowDataPacket[]>(
        "SELECT CURRENT_ROLE() AS r",
      );
      expect(roleRows[0]?.r).toBe(role);
      expect(await outcome(connection, `SELECT * FROM ${q}.audit`)).toBe("ok");
      expect(await outcome(connection, `UPDATE ${orders} SET note = 'x'`)).toBe("ok");
      expect(await outcome(connection, `UPDATE ${orders} SET id = 2`)).toBe(
        "ER_COLUMNACCESS_DENIED_ERROR",
      );
      expect(
        await outcome(
          connection,
          mysql.format(`GRANT EXECUTE ON FUNCTION ${q}.tax TO ?@'%'`, [bystander]),
        ),
      ).toBe("ok");
    });
  });

  it("takes from the alternate at the next rotation what was revoked from the current account", async () => {
    // Prepare
    const { orders, q } = await createSchema("crm");
    const user = unique("crm_app");
    const alternate = `${user}_rt`;
    const reader = unique("reader");
    const admins = unique("admins");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query(`GRANT SELECT ON ${orders} TO ?@'%' WITH GRANT OPTION`, [user]);
    await admin.query(`GRANT UPDATE (note) ON ${orders} TO ?@'%'`, [user]);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${q}.close_day TO ?@'%'`, [user]);
    await admin.query(`CREATE ROLE ${id(reader)}`);
    await admin.query(`GRANT SELECT ON ${q}.audit TO ${id(reader)}`);
    await admin.query(`GRANT ${id(reader)} TO ?@'%'`, [user]);
    await admin.query(`SET DEFAULT ROLE ${id(reader)} FOR ?@'%'`, [user]);
    await admin.query(`CREATE ROLE ${id(admins)}`);
    await admin.query(`GRANT ${id(admins)} TO ?@'%'`, [user]);
    await sync(user, alternate, newPassword());
    await admin.query(`REVOKE EXECUTE ON PROCEDURE ${q}.close_day FROM ?@'%'`, [user]);
    await admin.query(`REVOKE GRANT OPTION ON ${orders} FROM ?@'%'`, [user]);
    await admin.query(`REVOKE UPDATE (note) ON ${orders} FROM ?@'%'`, [user]);
    await admin.query(`SET DEFAULT ROLE NONE FOR ?@'%'`, [user]);
    await admin.query(`REVOKE ${id(reader)} FROM ?@'%'`, [user]);
    await admin.query(`REVOKE ${id(admins)} FROM ?@'%'`, [user]);
    await admin.query(`GRANT ${id(admins)} TO ?@'%' WITH ADMIN OPTION`, [user]);
    await admin.query(`GRANT DELETE ON ${orders} TO ?@'%'`, [user]);
    const password = newPassword();

    // Act
    await sync(user, alternate, password);

    // Assess
    const copied = await grantsOf(alternate);
    expect(copied).toEqual(await grantsOf(user));
    const text = copied.join("\n");
    expect(text).not.toContain("EXECUTE");
    expect(text).not.toContain("UPDATE");
    expect(text).not.toContain(reader);
    expect(text).not.toContain("SET DEFAULT ROLE");
    expect(text).toContain(`GRANT \`${admins}\` TO <who> WITH ADMIN OPTION`);
    expect(text).toContain(`GRANT SELECT, DELETE ON ${q}.\`orders\` TO <who>`);
    await asAccount(alternate, password, async (connection) => {
      expect(await outcome(connection, `CALL ${q}.close_day()`)).toBe("ER_PROCACCESS_DENIED_ERROR");
      const [roleRows] = await connection.query<mysql.RowDataPacket[]>(
        "SELECT CURRENT_ROLE() AS r",
      );
      expect(roleRows[0]?.r).toBeNull();
      // MariaDB's ER_INVALID_ROLE, which mysql2 has no name for.
      expect(await outcome(connection, `SET ROLE ${id(reader)}`)).toBe("errno 1959");
      expect(await outcome(connection, `DELETE FROM ${orders} WHERE id = 0`)).toBe("ok");
    });
  });

  it("replays names with dots, backticks and quotes, and keeps a wildcard schema pattern exact", async () => {
    // Prepare
    const tag = randomBytes(3).toString("hex");
    const schema = `sc.he\`ma-${tag}`;
    const table = "ta.b`le";
    const column = "no.te`x";
    const procedure = `pr.oc\`${tag}`;
    const role = `ro.le\`${tag}`;
    const user = `ap.p'\`${tag}`;
    const alternate = `${user}_rt`;
    const wildcard = `wild${tag}\\_%`;
    await admin.query(`CREATE DATABASE ${id(schema)}`);
    await admin.query(`CREATE TABLE ${id(schema)}.${id(table)} (id INT, ${id(column)} TEXT)`);
    await admin.query(`INSERT INTO ${id(schema)}.${id(table)} VALUES (1, 'a')`);
    await admin.query(`CREATE PROCEDURE ${id(schema)}.${id(procedure)}() SELECT 7 AS seven`);
    for (const name of [`wild${tag}_a`, `wild${tag}xa`]) {
      await admin.query(`CREATE DATABASE ${id(name)}`);
      await admin.query(`CREATE TABLE ${id(name)}.t (id INT)`);
    }
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query(`GRANT SELECT ON ${id(schema)}.${id(table)} TO ?@'%'`, [user]);
    await admin.query(`GRANT UPDATE (${id(column)}) ON ${id(schema)}.${id(table)} TO ?@'%'`, [
      user,
    ]);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${id(schema)}.${id(procedure)} TO ?@'%'`, [user]);
    await admin.query(`GRANT SELECT ON ${id(wildcard)}.* TO ?@'%'`, [user]);
    await admin.query(`CREATE ROLE ${id(role)}`);
    await admin.query(`GRANT ${id(role)} TO ?@'%'`, [user]);
    const password = newPassword();

    // Act
    await sync(user, alternate, password);

    // Assess
    const copied = await grantsOf(alternate);
    expect(copied).toEqual(await grantsOf(user));
    expect(copied.join("\n")).toContain(`GRANT SELECT ON \`wild${tag}\\_%\`.* TO <who>`);
    await asAccount(alternate, password, async (connection) => {
      const [called] = await connection.query<mysql.RowDataPacket[][]>(
        `CALL ${id(schema)}.${id(procedure)}()`,
      );
      expect(called[0]?.[0]?.seven).toBe(7);
      expect(
        await outcome(connection, `UPDATE ${id(schema)}.${id(table)} SET ${id(column)} = 'b'`),
      ).toBe("ok");
      expect(await outcome(connection, `SET ROLE ${id(role)}`)).toBe("ok");
      expect(await outcome(connection, `SELECT * FROM ${id(`wild${tag}_a`)}.t`)).toBe("ok");
      expect(await outcome(connection, `SELECT * FROM ${id(`wild${tag}xa`)}.t`)).toBe(
        "ER_TABLEACCESS_DENIED_ERROR",
      );
    });
  });

  it("replays proxy grants exactly, without the global GRANT OPTION MariaDB adds with them", async () => {
    // Prepare
    const user = unique("proxy_app");
    const alternate = `${user}_rt`;
    const proxied = unique("proxied");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query("CREATE USER ?@'localhost' IDENTIFIED BY 'pw-proxied'", [proxied]);
    await admin.query("GRANT PROXY ON ?@'localhost' TO ?@'%'", [proxied, user]);
    await admin.query("GRANT PROXY ON ''@'%' TO ?@'%' WITH GRANT OPTION", [user]);
    await admin.query("REVOKE GRANT OPTION ON *.* FROM ?@'%'", [user]);

    // Act
    await sync(user, alternate, newPassword());

    // Assess
    const copied = await grantsOf(alternate);
    expect(copied).toEqual(await grantsOf(user));
    expect(copied.join("\n")).toContain(`GRANT PROXY ON \`${proxied}\`@\`localhost\` TO <who>`);
    expect(copied.join("\n")).toContain("GRANT PROXY ON ``@`%` TO <who> WITH GRANT OPTION");
    expect(copied.join("\n")).not.toMatch(/ON \*\.\* TO <who>.*WITH GRANT OPTION/);
  });

  it("refuses, naming the grant, when a grant did not reach the alternate, and leaves its password unchanged", async () => {
    // Prepare
    const { q } = await createSchema("billing");
    const user = unique("bill_app");
    const alternate = `${user}_rt`;
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query(`GRANT SELECT ON ${q}.orders TO ?@'%'`, [user]);
    const firstPassword = newPassword();
    await sync(user, alternate, firstPassword);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${q}.close_day TO ?@'%'`, [user]);
    const secondPassword = newPassword();
    // A server that accepted the GRANT and kept nothing: no real server does this on purpose.
    const grantsIgnored: ExternalRunner = async (name, call) =>
      name === "mysql.grantPrivilege" ? (undefined as never) : call();

    // Act
    const error = await sync(user, alternate, secondPassword, grantsIgnored).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(DatabaseRotationRefusedError);
    const message = String((error as Error).message);
    expect(message).toContain(`Not copied: GRANT EXECUTE ON PROCEDURE ${q}.\`close_day\``);
    const [hashes] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT authentication_string AS h FROM mysql.user WHERE User IN (?, ?)",
      [user, alternate],
    );
    for (const secret of [secondPassword, firstPassword, ...hashes.map((row) => String(row.h))]) {
      expect(message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
    await expect(asAccount(alternate, firstPassword, async () => "in")).resolves.toBe("in");
    await expect(asAccount(alternate, secondPassword, async () => "in")).rejects.toThrow();
  });

  it("refuses a default role the current account no longer holds, before creating anything", async () => {
    // Prepare
    const user = unique("stale_app");
    const alternate = `${user}_rt`;
    const role = unique("former");
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query(`CREATE ROLE ${id(role)}`);
    await admin.query(`GRANT ${id(role)} TO ?@'%'`, [user]);
    await admin.query(`SET DEFAULT ROLE ${id(role)} FOR ?@'%'`, [user]);
    await admin.query(`REVOKE ${id(role)} FROM ?@'%'`, [user]);

    // Act
    const error = await sync(user, alternate, newPassword()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DatabaseRotationRefusedError);
    expect(String((error as Error).message)).toContain(
      `has default role ${JSON.stringify(role)} but that role is not granted to it`,
    );
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?",
      [alternate],
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it("names the grant when the master may not give it", async () => {
    // Prepare
    const { q } = await createSchema("ledger");
    const user = unique("ledger_app");
    const master = unique("master");
    const masterPassword = newPassword();
    const alternatePassword = newPassword();
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY 'pw-current'", [user]);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${q}.close_day TO ?@'%'`, [user]);
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [master, masterPassword]);
    await admin.query("GRANT SELECT, CREATE USER ON *.* TO ?@'%'", [master]);
    const session = await mysqlAccounts.login(
      { host: db.host, port: db.port },
      { account: master, password: masterPassword },
      "setSecret",
      direct,
    );

    // Act
    const error = await session
      .syncAlternate({
        current: user,
        alternate: `${user}_rt`,
        base: user,
        password: alternatePassword,
      })
      .catch((e: unknown) => e)
      .finally(() => session.close());

    // Assess
    expect(error).toBeInstanceOf(DatabaseStatementError);
    const message = String((error as Error).message);
    expect(message).toContain(`grantPrivilege EXECUTE ON PROCEDURE ${q}.\`close_day\``);
    expect(message).not.toContain(alternatePassword);
    expect(message).not.toContain(masterPassword);
  });

  it("two full rotations: each account in turn gets exactly the other's routine grants, roles and default role", async () => {
    // Prepare
    const { orders, q } = await createSchema("shop");
    const user = unique("shop_app");
    const role = unique("clerk");
    const password = newPassword();
    await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
    await admin.query(`GRANT SELECT ON ${orders} TO ?@'%'`, [user]);
    await admin.query(`GRANT EXECUTE ON PROCEDURE ${q}.close_day TO ?@'%'`, [user]);
    await admin.query(`CREATE ROLE ${id(role)}`);
    await admin.query(`GRANT SELECT ON ${q}.audit TO ${id(role)}`);
    await admin.query(`GRANT ${id(role)} TO ?@'%'`, [user]);
    await admin.query(`SET DEFAULT ROLE ${id(role)} FOR ?@'%'`, [user]);
    const master = await createMasterSecret(
      setup.kms,
      { engine: "mysql", server: db },
      unique("master-"),
    );
    const secretName = await setup.createSecret("grants", {
      AccountName: user,
      AccountPassword: password,
      engine: "mysql",
      host: db.host,
      port: db.port,
      masterSecret: master,
    });

    // Act
    const first = await setup.engine().rotate({ secretName });
    const afterFirst = await setup.read(secretName);
    await admin.query(`GRANT EXECUTE ON FUNCTION ${q}.tax TO ?@'%'`, [afterFirst.AccountName]);
    await admin.query(`REVOKE EXECUTE ON PROCEDURE ${q}.close_day FROM ?@'%'`, [
      afterFirst.AccountName,
    ]);
    const second = await setup.engine().rotate({ secretName });
    const afterSecond = await setup.read(secretName);

    // Assess
    expect([first.outcome, second.outcome]).toEqual(["rotated", "rotated"]);
    expect([afterFirst.AccountName, afterSecond.AccountName]).toEqual([`${user}_rt`, user]);
    expect(await grantsOf(user)).toEqual(await grantsOf(`${user}_rt`));
    await asAccount(afterSecond.AccountName, afterSecond.AccountPassword, async (connection) => {
      const [taxed] = await connection.query<mysql.RowDataPacket[]>(`SELECT ${q}.tax(1) AS v`);
      expect(taxed[0]?.v).toBe(2);
      expect(await outcome(connection, `CALL ${q}.close_day()`)).toBe("ER_PROCACCESS_DENIED_ERROR");
      expect(await outcome(connection, `SELECT * FROM ${q}.audit`)).toBe("ok");
    });
  });
});

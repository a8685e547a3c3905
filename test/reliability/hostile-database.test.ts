/**
 * MySQL dual-account rotation against a hostile target: a real MariaDB
 * behind a TCP proxy that slows every packet or cuts connections mid-step,
 * a master account with the wrong password, and SQL metacharacters in names
 * and passwords. Each ends in a clear error or a correct rotation; the
 * secret stays consistent and ACSCurrent keeps logging in.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseSecretValue } from "../../src/core/rotators/database/database-secret-value.ts";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
} from "../core/rotators/database/database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "../core/rotators/database/database-rotation-setup.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";

/** A clock past any lease a failed invocation left. */
const LATER = 24 * 60 * 60 * 1000;

describe.skipIf(skipUnlessMariaDb())("mysql rotation against a hostile target", () => {
  let server: RunningMariaDb;
  let proxy: FaultProxy;
  let setup: DatabaseRotationSetup;
  const target = (): TestServer => ({ engine: "mysql", server });

  beforeAll(async () => {
    server = await startMariaDb();
    proxy = await startFaultProxy({ host: server.host, port: server.port });
    setup = await startDatabaseRotationSetup();
  });
  afterAll(async () => {
    await setup?.close();
    await proxy?.close();
    await server?.stop();
  });

  /** An application account whose secret reaches MariaDB through the proxy. */
  async function secretBehindProxy(
    options: { masterPassword?: string } = {},
  ): Promise<{ secretName: string; value: DatabaseSecretValue }> {
    // The master's server is the proxy too: its login goes where the secret's does.
    const where = { host: proxy.host, port: proxy.port };
    const masterName = await createMasterSecret(
      setup.kms,
      target(),
      `hostile-master-${randomBytes(4).toString("hex")}`,
      where,
    );
    if (options.masterPassword !== undefined) {
      await setup.kms.putSecretValue({
        secretName: masterName,
        versionId: `wrong-${randomBytes(4).toString("hex")}`,
        secretData: JSON.stringify({
          AccountName: server.adminUser,
          AccountPassword: options.masterPassword,
          engine: "mysql",
          ...where,
        }),
      });
    }
    const value = {
      ...(await createApplicationAccount(target(), { masterSecret: masterName })),
      host: proxy.host,
      port: proxy.port,
    };
    return { secretName: await setup.createSecret("hostile", value), value };
  }

  async function expectCurrentLogsIn(
    secretName: string,
  ): Promise<DatabaseSecretValue & { versionId: string }> {
    const current = await setup.read(secretName);
    expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
    return current;
  }

  it("connections cut mid-step: a clear error without a password, ACSCurrent still works, the next invocation completes", async () => {
    // Prepare
    const { secretName, value } = await secretBehindProxy();
    proxy.fault = { kind: "cut-after", serverBytes: 120 };
    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toMatch(/127\.0\.0\.1|connect|closed|lost|ECONN/i);
    const pending = await setup.read(secretName, "ACSPending").catch(() => undefined);
    for (const password of [value.AccountPassword, pending?.AccountPassword]) {
      if (password) expect(failure?.message.includes(password)).toBe(false);
    }
    const stillCurrent = await expectCurrentLogsIn(secretName);
    expect(stillCurrent.AccountPassword).toBe(value.AccountPassword);
    // Act: the network heals; a later invocation takes the rotation over
    proxy.fault = { kind: "none" };
    const result = await setup.engine({ clockOffsetMs: LATER }).rotate({ secretName });
    // Assess
    expect(result.outcome).toBe("rotated");
    const rotated = await expectCurrentLogsIn(secretName);
    expect(rotated.versionId).not.toBe(stillCurrent.versionId);
    expect((await setup.read(secretName, "ACSPrevious")).versionId).toBe(stillCurrent.versionId);
  }, 180_000);

  it("a slow network (every packet delayed): the rotation completes and both accounts log in", async () => {
    // Prepare
    const { secretName, value } = await secretBehindProxy();
    proxy.fault = { kind: "delay", ms: 40 };
    // Act
    const result = await setup.engine().rotate({ secretName });
    proxy.fault = { kind: "none" };
    // Assess
    expect(result.outcome).toBe("rotated");
    await expectCurrentLogsIn(secretName);
    const previous = await setup.read(secretName, "ACSPrevious");
    expect(previous.AccountPassword).toBe(value.AccountPassword);
    expect(await canLogin(target(), previous.AccountName, previous.AccountPassword)).toBe(true);
  }, 180_000);

  it("connections refused: a clear error naming the host, nothing switched", async () => {
    // Prepare
    const { secretName, value } = await secretBehindProxy();
    const before = await setup.read(secretName);
    proxy.fault = { kind: "refuse" };
    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    proxy.fault = { kind: "none" };
    // Assess
    expect(failure?.message).toContain(`${proxy.host}:${proxy.port}`);
    expect(failure?.message.includes(value.AccountPassword)).toBe(false);
    expect((await setup.read(secretName)).versionId).toBe(before.versionId);
    await expectCurrentLogsIn(secretName);
  }, 180_000);

  it("a master account with the wrong password: a clear error naming the account, nothing switched", async () => {
    // Prepare
    const wrong = `Wrong-${randomBytes(10).toString("hex")}`;
    const { secretName, value } = await secretBehindProxy({ masterPassword: wrong });
    const before = await setup.read(secretName);
    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    // Assess
    expect(failure?.message).toContain(server.adminUser);
    expect(failure?.message.includes(wrong)).toBe(false);
    expect(failure?.message.includes(value.AccountPassword)).toBe(false);
    expect((await setup.read(secretName)).versionId).toBe(before.versionId);
    await expectCurrentLogsIn(secretName);
  }, 180_000);

  it("SQL metacharacters in the current password: the rotation completes and the old password still logs in", async () => {
    // Prepare: an account whose password holds quotes, backslashes, semicolons and wildcards
    const { secretName, value } = await secretBehindProxy();
    const hostile = `a'b"c\\d;e%f_g\`h$(i)--${randomBytes(4).toString("hex")}`;
    const admin = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    });
    await admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [value.AccountName, hostile]);
    await admin.end();
    await setup.kms.putSecretValue({
      secretName,
      versionId: `meta-${randomBytes(4).toString("hex")}`,
      secretData: JSON.stringify({ ...value, AccountPassword: hostile }),
    });
    // Act
    const result = await setup.engine().rotate({ secretName });
    // Assess
    expect(result.outcome).toBe("rotated");
    await expectCurrentLogsIn(secretName);
    expect(await canLogin(target(), value.AccountName, hostile)).toBe(true);
  }, 180_000);

  it("SQL metacharacters in the account name: refused with a clear error, and the server is unharmed", async () => {
    // Prepare
    const { secretName, value } = await secretBehindProxy();
    const before = await setup.read(secretName);
    await setup.kms.putSecretValue({
      secretName,
      versionId: `meta-${randomBytes(4).toString("hex")}`,
      secretData: JSON.stringify({ ...value, AccountName: "x'; DROP USER 'root'@'localhost'; --" }),
    });
    const stored = await setup.read(secretName);
    // Act
    const failure = await setup
      .engine()
      .rotate({ secretName })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toMatch(/AccountName|account/);
    expect(failure?.message.includes(value.AccountPassword)).toBe(false);
    expect((await setup.read(secretName)).versionId).toBe(stored.versionId);
    expect(before.versionId).not.toBe(stored.versionId);
    expect(await canLogin(target(), server.adminUser, server.adminPassword)).toBe(true);
  }, 180_000);
});

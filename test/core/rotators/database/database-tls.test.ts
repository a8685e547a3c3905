/**
 * TLS on real servers: a MariaDB serving a certificate from a throwaway
 * authority, and a PostgreSQL without TLS. The server is verified by default,
 * a configured TLS never falls back to plaintext, and a full rotation of an
 * account that requires TLS gives its alternate the same requirement.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalRunner } from "../../../../src/core/rotators/database/database-accounts.ts";
import { DatabaseUnavailableError } from "../../../../src/core/rotators/database/database-errors.ts";
import {
  mysqlAccounts,
  mysqlConnectionOptions,
} from "../../../../src/core/rotators/database/mysql-accounts.ts";
import { postgresAccounts } from "../../../../src/core/rotators/database/postgres-accounts.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import { asAdmin, createMasterSecret, uniqueSuffix } from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";
import { issueServerCertificate, type TestCertificates } from "./self-signed-certificate.ts";

const direct: ExternalRunner = (_name, call) => call();

describe.skipIf(skipUnlessMariaDb())("mysql over TLS", () => {
  let server: RunningMariaDb;
  let certificates: TestCertificates;
  let setup: DatabaseRotationSetup;

  beforeAll(async () => {
    certificates = await issueServerCertificate({ dns: ["localhost"], ip: ["127.0.0.1"] });
    [server, setup] = await Promise.all([
      startMariaDb({ tls: { certificate: certificates.certificate, key: certificates.key } }),
      startDatabaseRotationSetup(),
    ]);
  });
  afterAll(async () => {
    await setup?.close();
    await server?.stop();
  });

  const admin = () => ({ account: server.adminUser, password: server.adminPassword });

  it("connects encrypted when the server's authority is given", async () => {
    // Prepare
    const target = {
      host: "localhost",
      port: server.port,
      tls: { ca: certificates.ca, verify: true },
    };
    // Act
    const connection = await mysql.createConnection(mysqlConnectionOptions(target, admin()));
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    );
    await connection.end();
    // Assess
    expect(String(rows[0]?.Value)).not.toBe("");
  });

  it("verifies the server by default: an authority it does not know is refused", async () => {
    // Prepare
    const target = { host: "localhost", port: server.port, tls: { verify: true } };
    // Act
    const attempt = mysqlAccounts.login(target, admin(), "setSecret (master login)", direct);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(attempt).rejects.toThrow(/setSecret \(master login\).*localhost:\d+/);
  });

  it("rotates an account that requires TLS; the alternate requires it too and logs in over TLS", async () => {
    // Prepare
    const account = `tls_${uniqueSuffix()}`;
    const password = `Init-${uniqueSuffix()}-pw`;
    await asAdmin({ engine: "mysql", server }, async (query) => {
      await query(`CREATE USER '${account}'@'%' IDENTIFIED BY '${password}' REQUIRE SSL`);
    });
    // The master logs in with its own settings: the same server, over TLS.
    const master = await createMasterSecret(
      setup.kms,
      { engine: "mysql", server },
      `master-${uniqueSuffix()}`,
      { host: "localhost", tls: { ca: certificates.ca, verify: true } },
    );
    const secretName = await setup.createSecret("tls", {
      AccountName: account,
      AccountPassword: password,
      engine: "mysql",
      host: "localhost",
      port: server.port,
      tls: { ca: certificates.ca, verify: true },
      masterSecret: master,
    });

    // Act
    const result = await setup.engine().rotate({ secretName });

    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await setup.read(secretName);
    expect(current.AccountName).toBe(`${account}_rt`);
    const requirement = await asAdmin({ engine: "mysql", server }, async (query) =>
      query(`SELECT ssl_type FROM mysql.user WHERE User = '${account}_rt'`),
    );
    expect(JSON.stringify(requirement)).toContain('"ssl_type":"ANY"');
    const plain = mysql.createConnection({
      host: "127.0.0.1",
      port: server.port,
      user: current.AccountName,
      password: current.AccountPassword,
    });
    await expect(plain).rejects.toThrow(/Access denied/);
  });
});

describe.skipIf(await skipUnlessPostgres())(
  "postgres with TLS configured against a server without TLS",
  () => {
    let server: RunningPostgres;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("refuses to connect rather than fall back to plaintext", async () => {
      // Prepare
      const target = { host: server.host, port: server.port, tls: { verify: false } };
      // Act
      const attempt = postgresAccounts.login(
        target,
        { account: server.adminUser, password: server.adminPassword },
        "testSecret (login)",
        direct,
      );
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(attempt).rejects.toThrow(/does not support SSL/);
      await expect(attempt).rejects.not.toThrow(new RegExp(server.adminPassword));
    });
  },
);

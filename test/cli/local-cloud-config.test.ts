/**
 * What `rotor local-cloud`'s config file and flags register: the instance
 * URLs read into the shapes startLocalCloud() takes (passwords from a
 * variable or a file, a base64 host key fingerprint kept as written), the
 * flags adding to the file, and each function's environment.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLocalCloudSetup } from "../../src/cli/commands/local-cloud-config.ts";

describe("the local cloud's setup from its config file and flags", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rotor-cli-setup-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads instance URLs, with passwords from variables and files, beside the file's", async () => {
    // Prepare
    const passwordFile = join(dir, "pg-admin");
    await writeFile(passwordFile, "pg-admin-password\n", { mode: 0o600 });
    const keyFile = join(dir, "agent-key");
    await writeFile(
      keyFile,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    const configFile = join(dir, "local-cloud.json");
    await writeFile(
      configFile,
      JSON.stringify({
        ecsInstances: {
          "i-file": {
            host: "10.0.0.7",
            port: 22,
            hostKeyFingerprint: "SHA256:abc",
            userName: "root",
            privateKeyFile: "agent-key",
          },
        },
        functions: { scheduler: { environment: { ROTOR_SCHEDULER_FC_QPS: "10" } } },
      }),
      { mode: 0o600 },
    );

    // Act
    const setup = await readLocalCloudSetup({
      configFile,
      rdsFlags: [
        "rm-my=mariadb://root@127.0.0.1:3307?password-env=DB_ADMIN",
        `pgm-pg=postgresql://postgres@db.local/admin_db?password-file=${passwordFile}`,
      ],
      ecsFlags: [
        "i-flag=ssh://agent@127.0.0.1:2222?host-key=SHA256:a+b/c&password-env=AGENT",
        `i-key=ssh://agent@127.0.0.1?host-key=SHA256:k&key-file=${keyFile}`,
      ],
      functionEnvFlags: [
        "rotate-mysql:ROTOR_RDS_INSTANCES=rm-my",
        "rotate-generic:ROTOR_WEBHOOK_ORIGINS=https://a.example,https://b.example",
      ],
      env: { DB_ADMIN: "mariadb-admin-password", AGENT: "agent-password" },
    });

    // Assess
    expect(setup.rdsInstances).toEqual({
      "rm-my": {
        engine: "MariaDB",
        host: "127.0.0.1",
        port: 3307,
        adminUser: "root",
        adminPassword: "mariadb-admin-password",
      },
      "pgm-pg": {
        engine: "PostgreSQL",
        host: "db.local",
        port: 5432,
        adminUser: "postgres",
        adminPassword: "pg-admin-password",
        adminDatabase: "admin_db",
      },
    });
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n";
    expect(setup.ecsInstances).toEqual({
      "i-file": {
        host: "10.0.0.7",
        port: 22,
        hostKeyFingerprint: "SHA256:abc",
        userName: "root",
        privateKey: key,
      },
      "i-flag": {
        host: "127.0.0.1",
        port: 2222,
        hostKeyFingerprint: "SHA256:a+b/c",
        userName: "agent",
        password: "agent-password",
      },
      "i-key": {
        host: "127.0.0.1",
        port: 22,
        hostKeyFingerprint: "SHA256:k",
        userName: "agent",
        privateKey: key,
      },
    });
    expect(setup.functionEnvironment).toEqual({
      scheduler: { ROTOR_SCHEDULER_FC_QPS: "10" },
      "rotate-mysql": { ROTOR_RDS_INSTANCES: "rm-my" },
      "rotate-generic": { ROTOR_WEBHOOK_ORIGINS: "https://a.example,https://b.example" },
    });
    expect(setup.warnings).toEqual([]);
  });

  it("refuses an instance given twice, by the file and a flag", async () => {
    const configFile = join(dir, "twice.json");
    await writeFile(
      configFile,
      JSON.stringify({
        rdsInstances: {
          "rm-1": {
            engine: "MySQL",
            host: "127.0.0.1",
            port: 3306,
            adminUser: "root",
            adminPassword: "admin-password",
          },
        },
      }),
      { mode: 0o600 },
    );

    const setup = readLocalCloudSetup({
      configFile,
      rdsFlags: ["rm-1=mysql://root@127.0.0.1:3306?password-env=P"],
      env: { P: "p" },
    });

    await expect(setup).rejects.toThrow("--rds-instance: instance rm-1 is given twice");
  });

  it("reads PolarDB clusters and Redis instances from flags and the file, CA files beside it", async () => {
    // Prepare
    await writeFile(join(dir, "redis-ca.pem"), "-----BEGIN CERTIFICATE-----\nfile\n");
    await writeFile(join(dir, "flag-ca.pem"), "-----BEGIN CERTIFICATE-----\nflag\n");
    const configFile = join(dir, "databases.json");
    await writeFile(
      configFile,
      JSON.stringify({
        polardbClusters: {
          "pc-file01": {
            engine: "PostgreSQL",
            host: "127.0.0.1",
            port: 5433,
            adminUser: "postgres",
            adminPassword: "pg-admin-password",
            adminDatabase: "postgres",
          },
        },
        redisInstances: {
          "r-file01": {
            host: "127.0.0.1",
            port: 6380,
            adminPassword: "redis-admin-password",
            tls: { caFile: "redis-ca.pem" },
          },
        },
      }),
      { mode: 0o600 },
    );

    // Act
    const setup = await readLocalCloudSetup({
      configFile,
      polardbFlags: ["pc-flag01=mysql://root@127.0.0.1:3307?password-env=DB_ADMIN"],
      redisFlags: [
        "r-plain=redis://127.0.0.1?password-env=REDIS_ADMIN",
        `r-tls=rediss://admin@localhost:6390?password-env=REDIS_ADMIN&ca-file=${join(dir, "flag-ca.pem")}`,
      ],
      env: { DB_ADMIN: "mariadb-admin-password", REDIS_ADMIN: "redis-flag-password" },
    });

    // Assess
    expect(setup.polardbClusters).toEqual({
      "pc-file01": {
        engine: "PostgreSQL",
        host: "127.0.0.1",
        port: 5433,
        adminUser: "postgres",
        adminPassword: "pg-admin-password",
        adminDatabase: "postgres",
      },
      "pc-flag01": {
        engine: "MySQL",
        host: "127.0.0.1",
        port: 3307,
        adminUser: "root",
        adminPassword: "mariadb-admin-password",
      },
    });
    expect(setup.redisInstances).toEqual({
      "r-file01": {
        host: "127.0.0.1",
        port: 6380,
        adminUser: "default",
        adminPassword: "redis-admin-password",
        tls: { ca: "-----BEGIN CERTIFICATE-----\nfile\n" },
      },
      "r-plain": {
        host: "127.0.0.1",
        port: 6379,
        adminUser: "default",
        adminPassword: "redis-flag-password",
      },
      "r-tls": {
        host: "localhost",
        port: 6390,
        adminUser: "admin",
        adminPassword: "redis-flag-password",
        tls: { ca: "-----BEGIN CERTIFICATE-----\nflag\n" },
      },
    });
  });

  it("refuses a PolarDB cluster id that is not pc-…, a PolarDB edition it does not know, and a Redis URL holding a password", async () => {
    // Act
    const badId = readLocalCloudSetup({
      polardbFlags: ["rm-1=mysql://root@127.0.0.1?password-env=P"],
      env: { P: "p" },
    });
    const badEdition = readLocalCloudSetup({
      polardbFlags: ["pc-1=mariadb://root@127.0.0.1?password-env=P"],
      env: { P: "p" },
    });
    const inlinePassword = readLocalCloudSetup({
      redisFlags: ["r-1=redis://default:Secret-in-url-1@127.0.0.1"],
      env: {},
    });
    const caWithoutTls = readLocalCloudSetup({
      redisFlags: ["r-1=redis://127.0.0.1?password-env=P&ca-file=/tmp/ca.pem"],
      env: { P: "p" },
    });

    // Assess
    await expect(badId).rejects.toThrow("--polardb-cluster rm-1: a PolarDB cluster id is pc-");
    await expect(badEdition).rejects.toThrow('got the engine "mariadb"');
    await expect(inlinePassword).rejects.toThrow("the URL holds a password");
    await expect(inlinePassword).rejects.not.toThrow("Secret-in-url-1");
    await expect(caWithoutTls).rejects.toThrow('unknown option "ca-file"');
  });
});

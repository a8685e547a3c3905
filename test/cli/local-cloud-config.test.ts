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
});

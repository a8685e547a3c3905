/**
 * The rogue servers the attack tests rely on really capture what a client
 * presents: a test that asserts "the rogue recorded nothing" proves
 * something only if a client that did connect would have been caught. Each
 * is met by the very driver or SSH login the rotators use.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlAccounts } from "../../src/core/rotators/database/mysql-accounts.ts";
import { postgresAccounts } from "../../src/core/rotators/database/postgres-accounts.ts";
import { openSshSession } from "../../src/core/rotators/ecs/ecs-ssh-session.ts";
import { redisLogin } from "../../src/core/rotators/redis/redis-connection.ts";
import { startRogueMysql } from "./support/rogue-mysql.ts";
import { startRoguePostgres } from "./support/rogue-postgres.ts";
import type { RogueServer } from "./support/rogue-record.ts";
import { startRogueRedis } from "./support/rogue-redis.ts";
import { type RogueSshServer, startRogueSsh } from "./support/rogue-ssh.ts";

const run = <T>(_name: string, call: () => Promise<T>) => call();

describe("rogue servers capture what clients present", () => {
  let postgres: RogueServer;
  let mysql: RogueServer;
  let ssh: RogueSshServer;
  let redis: RogueServer;
  beforeAll(async () => {
    [postgres, mysql, ssh, redis] = await Promise.all([
      startRoguePostgres(),
      startRogueMysql(),
      startRogueSsh(),
      startRogueRedis(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([postgres?.close(), mysql?.close(), ssh?.close(), redis?.close()]);
  });

  it("PostgreSQL: the password in clear text and the statements after the login", async () => {
    // Prepare
    const password = `pg-${randomBytes(8).toString("hex")}`;

    // Act
    const session = await postgresAccounts.login(
      { host: postgres.host, port: postgres.port },
      { account: "victim", password },
      "self-test",
      run,
    );
    await session.accountExists("someone").catch(() => undefined);
    await session.close();

    // Assess
    expect(postgres.events()).toContainEqual({ kind: "credential", what: "password of victim" });
    expect(postgres.captured()).toContain(password);
    expect(postgres.events().some((event) => event.kind === "statement")).toBe(true);
  });

  it("MySQL: the password through the RSA key exchange of caching_sha2_password", async () => {
    // Prepare
    const password = `my-${randomBytes(8).toString("hex")}`;

    // Act
    const session = await mysqlAccounts.login(
      { host: mysql.host, port: mysql.port },
      { account: "victim", password },
      "self-test",
      run,
    );
    await session.accountExists("someone").catch(() => undefined);
    await session.close();

    // Assess
    expect(mysql.events()).toContainEqual({ kind: "credential", what: "password of victim" });
    expect(mysql.captured()).toContain(password);
    expect(mysql.events().some((event) => event.kind === "statement")).toBe(true);
  });

  it("Redis: the password AUTH carries, and the commands after the login", async () => {
    // Prepare
    const password = `rd-${randomBytes(8).toString("hex")}`;

    // Act
    const session = await redisLogin(
      { host: redis.host, port: redis.port },
      { user: "victim", password },
      "self-test",
      run,
    );
    await session.command("getUser", "ACL", "GETUSER", "someone").catch(() => undefined);
    session.close();

    // Assess
    expect(redis.events()).toContainEqual({ kind: "credential", what: "password of victim" });
    expect(redis.captured()).toContain(password);
    expect(redis.events()).toContainEqual({ kind: "command", what: "ACL GETUSER" });
  });

  it("SSH: the password offered, and the input of a command", async () => {
    // Prepare
    const password = `ssh-${randomBytes(8).toString("hex")}`;

    // Act
    const session = await openSshSession({
      host: ssh.host,
      port: ssh.port,
      hostKeyFingerprint: ssh.hostKeyFingerprint,
      userName: "root",
      password,
    });
    const result = await session.run("chpasswd", "victim:new\n");
    session.close();

    // Assess
    expect(result.exitCode).toBe(0);
    expect(ssh.events()).toContainEqual({ kind: "credential", what: "password of root" });
    expect(ssh.captured()).toContain(password);
    expect(ssh.captured()).toContain("victim:new\n");
  });
});

/**
 * The Redis test harness itself (test/support/redis.ts): what the Redis
 * suites rely on, proved against the real server.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../support/redis.ts";

/** Runs `work` on a new connection as `user`; the connection is closed after. */
async function asUser<T>(
  redis: RunningRedis,
  user: string,
  password: string,
  work: (client: Redis) => Promise<T>,
  overrides: { tls?: undefined } = {},
): Promise<T> {
  const client = new Redis({ ...redis.clientOptions(user, password), ...overrides });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

describe.skipIf(skipUnlessRedis())("the Redis test harness", () => {
  let plain: RunningRedis;
  let withTls: RunningRedis;

  beforeAll(async () => {
    [plain, withTls] = await Promise.all([
      startRedis(),
      startRedis({ adminUser: "admin", tls: true }),
    ]);
  });
  afterAll(async () => {
    await plain?.stop();
    await withTls?.stop();
  });

  it("starts with ACLs on: the administrator logs in with its password only", async () => {
    // Act
    const pong = await asUser(plain, "default", plain.adminPassword, (client) => client.ping());
    const wrong = await plain.canLogin("default", "not-the-password");
    const right = await plain.canLogin("default", plain.adminPassword);
    // Assess
    expect(plain.adminUser).toBe("default");
    expect(pong).toBe("PONG");
    expect([right, wrong]).toEqual([true, false]);
    expect(plain.version).toMatch(/^\d+\.\d+/);
  });

  it("with an ACL administrator, the default user is off", async () => {
    // Act
    const whoAmI = await asUser(withTls, "admin", withTls.adminPassword, (client) =>
      client.call("ACL", "WHOAMI"),
    );
    const users = await asUser(withTls, "admin", withTls.adminPassword, (client) =>
      client.call("ACL", "LIST"),
    );
    // Assess
    expect(whoAmI).toBe("admin");
    expect((users as string[]).find((line) => line.startsWith("user default "))).toMatch(
      /^user default off /,
    );
  });

  it("with tls, speaks TLS only, with a certificate its authority signed", async () => {
    // Act
    const overTls = await asUser(withTls, "admin", withTls.adminPassword, (client) =>
      client.ping(),
    );
    const inClear = asUser(withTls, "admin", withTls.adminPassword, (client) => client.ping(), {
      tls: undefined,
    });
    // Assess
    expect(withTls.tls?.ca).toContain("BEGIN CERTIFICATE");
    expect(overTls).toBe("PONG");
    await expect(inClear).rejects.toThrow();
  });
});

/**
 * Reading a database login from a secret value: the fields Rotor's database
 * secrets and Alibaba's clients use, and errors that name the field without
 * quoting a value.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { readDatabaseLogin } from "../../src/client/database-login.ts";
import { SecretVersion } from "../../src/client/secret-version.ts";
import { ValidationError } from "../../src/cloud-api/errors.ts";

const PASSWORD = "s3cret-Password-xyz";

function secretHolding(value: unknown): SecretVersion {
  return new SecretVersion({
    secretName: "shop-db",
    versionId: "v7",
    versionStages: ["ACSCurrent"],
    dataType: "text",
    fetchedAt: 0,
    value: typeof value === "string" ? value : JSON.stringify(value),
  });
}

describe("readDatabaseLogin", () => {
  it("reads the account, password and connection fields", () => {
    // Prepare
    const secret = secretHolding({
      AccountName: "app",
      AccountPassword: PASSWORD,
      engine: "mysql",
      host: "10.0.0.5",
      port: 3306,
      database: "shop",
      tls: { ca: "PEM", serverName: "db.internal" },
      masterSecret: "shop-admin",
    });

    // Act
    const login = readDatabaseLogin(secret, "mysql");

    // Assess
    expect(login).toMatchObject({
      versionId: "v7",
      user: "app",
      host: "10.0.0.5",
      port: 3306,
      database: "shop",
      tls: { ca: "PEM", verify: true, serverName: "db.internal" },
    });
    expect(login.password).toBe(PASSWORD);
    expect(inspect(login)).not.toContain(PASSWORD);
    expect(JSON.stringify(login)).not.toContain(PASSWORD);
  });

  it("accepts the two keys Alibaba's clients use, alone, and a port written as digits", () => {
    // Act
    const bare = readDatabaseLogin(
      secretHolding({ AccountName: "app", AccountPassword: PASSWORD }),
      "postgres",
    );
    const digits = readDatabaseLogin(
      secretHolding({ AccountName: "app", AccountPassword: PASSWORD, port: "5432" }),
      "postgres",
    );

    // Assess
    expect(bare.user).toBe("app");
    expect(bare.host).toBeUndefined();
    expect(digits.port).toBe(5432);
  });

  it.each([
    [PASSWORD, /is not JSON/],
    [[PASSWORD], /must hold a JSON object/],
    [{ AccountPassword: PASSWORD }, /lacks AccountName/],
    [{ AccountName: "app" }, /lacks AccountPassword/],
    [{ AccountName: "app", AccountPassword: 42 }, /AccountPassword that is not a non-empty string/],
    [
      { AccountName: "app", AccountPassword: PASSWORD, port: 70000 },
      /port that is not a whole number/,
    ],
    [{ AccountName: "app", AccountPassword: PASSWORD, engine: "oracle" }, /engine that is neither/],
    [
      { AccountName: "app", AccountPassword: PASSWORD, engine: "postgres" },
      /is for engine postgres, not mysql/,
    ],
    [{ AccountName: "app", AccountPassword: PASSWORD, tls: "yes" }, /tls that is not an object/],
    [{ AccountName: "app", AccountPassword: PASSWORD, tls: { verify: "no" } }, /tls.verify/],
  ])("refuses %j naming what is wrong", (value, problem) => {
    // Act
    const read = () => readDatabaseLogin(secretHolding(value), "mysql");

    // Assess
    expect(read).toThrow(ValidationError);
    expect(read).toThrow(problem);
    expect(read).toThrow(/Secret "shop-db" \(version v7\)/);
    expect(read).toThrow(/Expected \{"AccountName"/);
    let message = "";
    try {
      read();
    } catch (error) {
      message = inspect(error, { depth: 10 });
    }
    expect(message).not.toContain(PASSWORD);
  });
});

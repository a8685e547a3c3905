import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import {
  accountPair,
  assertIsAlternate,
  otherAccount,
} from "../../../../src/core/rotators/database/database-alternate-account.ts";
import {
  DATABASE_PASSWORD_POLICIES,
  generateDatabasePassword,
} from "../../../../src/core/rotators/database/database-password-policy.ts";
import {
  type DatabaseSecretValue,
  databaseSecretValue,
  rotationMode,
} from "../../../../src/core/rotators/database/database-secret-value.ts";
import { postgresRotator } from "../../../../src/core/rotators/database/postgres-rotator.ts";

const valid: DatabaseSecretValue = {
  AccountName: "app",
  AccountPassword: "Pw-0123456789abcdef",
  engine: "mysql",
  host: "db.internal",
  port: 3306,
  masterSecret: "db-admin",
};

const parse = (value: unknown) => databaseSecretValue.parse(JSON.stringify(value), "orders-db");

describe("database secret value", () => {
  it("reads a valid value and keeps AccountName and AccountPassword at the top level", () => {
    // Act
    const value = parse(valid);
    // Assess
    expect(value.AccountName).toBe("app");
    expect(JSON.parse(databaseSecretValue.format(value))).toMatchObject({
      AccountName: "app",
      AccountPassword: valid.AccountPassword,
    });
    expect(databaseSecretValue.sensitive(value)).toEqual([valid.AccountPassword]);
  });

  it.each([
    [{ ...valid, AccountPassword: undefined }, /AccountPassword/],
    [{ ...valid, host: "" }, /host/],
    [{ ...valid, port: 70000 }, /port/],
    [{ ...valid, engine: "oracle" }, /engine/],
    [{ ...valid, AccountName: "app\u0000x" }, /AccountName: must not contain control characters/],
    [{ ...valid, masterSecret: undefined, mode: "dual" }, /masterSecret: is required/],
    [{ ...valid, accounts: ["a", "a"] }, /accounts: must name two different accounts/],
    [{ ...valid, accounts: ["a", "b"] }, /accounts: must include AccountName/],
    [{ ...valid, tls: { verify: "yes" } }, /tls\.verify/],
    [{ ...valid, DBClusterId: "pc-Upper" }, /DBClusterId: must be a PolarDB cluster id/],
    [{ ...valid, DBClusterId: "rm-1" }, /DBClusterId: must be a PolarDB cluster id/],
    [
      { ...valid, DBInstanceId: "rm-1", DBClusterId: "pc-1" },
      /DBClusterId: names a PolarDB cluster, but DBInstanceId names an RDS instance/,
    ],
    [
      { ...valid, engine: "postgres", masterSecret: undefined, mode: "dual", DBClusterId: "pc-1" },
      /accounts: is required for dual-account rotation on a PolarDB for PostgreSQL cluster/,
    ],
    [{ ...valid, ownerRole: "app_owner" }, /ownerRole: applies to PostgreSQL only/],
    [
      { ...valid, engine: "postgres", mode: "single", ownerRole: "app_owner" },
      /ownerRole: needs dual-account mode/,
    ],
    [
      { ...valid, engine: "postgres", DBInstanceId: "pgm-1", ownerRole: "app_owner" },
      /ownerRole: is not available on RDS or PolarDB/,
    ],
    [
      {
        ...valid,
        engine: "postgres",
        DBClusterId: "pc-1",
        accounts: ["app", "app_b"],
        ownerRole: "app_owner",
      },
      /ownerRole: is not available on RDS or PolarDB/,
    ],
    [{ ...valid, engine: "postgres", ownerRole: "pg_monitor" }, /ownerRole: must not be none/],
    [{ ...valid, engine: "postgres", ownerRole: "NONE" }, /ownerRole: must not be none/],
  ])(
    "refuses %j naming the field and showing the expected shape, never the password",
    (value, field) => {
      // Act
      const attempt = () => parse(value);
      // Assess
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(field);
      expect(attempt).toThrow(/expected \{"AccountName":"…","AccountPassword":"…","engine"/);
      expect(() => parse(value)).not.toThrow(new RegExp(valid.AccountPassword));
    },
  );

  it("defaults to dual-account mode with a master secret and to single-user without", () => {
    expect(rotationMode(parse(valid))).toBe("dual");
    expect(rotationMode(parse({ ...valid, masterSecret: undefined }))).toBe("single");
    expect(rotationMode(parse({ ...valid, mode: "single" }))).toBe("single");
  });

  it("takes a PolarDB cluster in place of a master secret, and a PostgreSQL pair on it", () => {
    const onCluster = { ...valid, masterSecret: undefined, mode: "dual", DBClusterId: "pc-bp1a2" };
    expect(parse(onCluster).DBClusterId).toBe("pc-bp1a2");
    const pair = { ...onCluster, engine: "postgres", accounts: ["app", "app_b"] };
    expect(rotationMode(parse(pair))).toBe("dual");
  });

  it("takes an owner role for PostgreSQL dual accounts; the rotator refuses one that is an account of the pair", () => {
    const owned = { ...valid, engine: "postgres", ownerRole: "app_owner" };
    expect(parse(owned).ownerRole).toBe("app_owner");
    for (const ownerRole of ["app", "app_rt"]) {
      expect(() =>
        postgresRotator.value.parse(JSON.stringify({ ...owned, ownerRole }), "orders-db"),
      ).toThrow(/ownerRole .* one of the two accounts it rotates/);
    }
    expect(() =>
      postgresRotator.value.parse(
        JSON.stringify({ ...owned, accounts: ["app", "app_b"], ownerRole: "app_b" }),
        "orders-db",
      ),
    ).toThrow(ValidationError);
  });

  it("verifies TLS by default once TLS is configured", () => {
    expect(parse({ ...valid, tls: {} }).tls).toEqual({ verify: true });
  });
});

describe("alternate accounts", () => {
  it("pairs a name with its _rt twin both ways, or with the other of two pre-created accounts", () => {
    expect(otherAccount(valid)).toBe("app_rt");
    expect(otherAccount({ ...valid, AccountName: "app_rt" })).toBe("app");
    expect(accountPair({ ...valid, AccountName: "app_rt" }).base).toBe("app");
    expect(otherAccount({ ...valid, alternateSuffix: "_clone" })).toBe("app_clone");
    expect(otherAccount({ ...valid, accounts: ["blue", "app"] })).toBe("blue");
  });

  it("refuses a pending value naming another account or another server", () => {
    expect(() => assertIsAlternate(valid, { ...valid, AccountName: "root" })).toThrow(
      /alternate of "app" is "app_rt": refusing/,
    );
    expect(() =>
      assertIsAlternate(valid, { ...valid, AccountName: "app_rt", host: "elsewhere" }),
    ).toThrow(/host differs/);
    expect(() => assertIsAlternate(valid, { ...valid, AccountName: "app_rt" })).not.toThrow();
  });
});

describe("database password policy", () => {
  it("generates passwords of the engine's length with every group and no character that breaks a DSN", () => {
    for (const engine of ["mysql", "postgres"] as const) {
      const policy = DATABASE_PASSWORD_POLICIES[engine];
      fc.assert(
        fc.property(fc.integer(), () => {
          const password = generateDatabasePassword(policy);
          expect(password).toHaveLength(policy.length);
          expect(password).not.toMatch(/[/@:?#%&=+'"\\;`$\s]/);
          for (const group of policy.groups) {
            expect([...password].some((character) => group.includes(character))).toBe(true);
          }
        }),
        { numRuns: 200 },
      );
    }
  });
});

import { describe, expect, it } from "vitest";
import { generateDatabasePassword } from "../../../../src/core/rotators/database/database-password-policy.ts";
import { MANAGED_DATABASE_PASSWORD_POLICY } from "../../../../src/core/rotators/database/managed-database-password-policy.ts";
import { CloudApiError } from "../../../../src/local-cloud/api-error.ts";
import { checkAccountPassword as polarDbRule } from "../../../../src/local-cloud/polardb/polardb-account-rules.ts";
import { checkAccountPassword as rdsRule } from "../../../../src/local-cloud/rds/rds-account-rules.ts";

const RULES = [
  ["RDS", rdsRule],
  ["PolarDB", polarDbRule],
] as const;

describe("the managed databases' password policy", () => {
  it.each(RULES)(
    "every generated password meets %s's rule and avoids characters that break DSNs",
    (_product, rule) => {
      // Prepare
      const passwords = Array.from({ length: 500 }, () =>
        generateDatabasePassword(MANAGED_DATABASE_PASSWORD_POLICY),
      );
      // Act
      const refused = passwords.filter((password) => {
        try {
          rule(password);
          return false;
        } catch {
          return true;
        }
      });
      // Assess
      expect(refused).toEqual([]);
      expect(new Set(passwords).size).toBe(passwords.length);
      for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_!*^-]{32}$/);
    },
  );

  it.each(
    RULES.flatMap(([product, rule]) =>
      (
        [
          ["too short", "Ab1-xyz"],
          ["too long", `Ab1-${"x".repeat(29)}`],
          ["only two kinds", "abcdefgh12345"],
          ["a character it refuses", "Abcdefg1~"],
        ] as const
      ).map(([why, password]) => [product, why, password, rule] as const),
    ),
  )(
    "%s's rule refuses a password that is %s, without quoting it",
    (_product, _why, password, rule) => {
      // Prepare / Act
      let error: unknown;
      try {
        rule(password);
      } catch (thrown) {
        error = thrown;
      }
      // Assess
      expect(error).toBeInstanceOf(CloudApiError);
      expect((error as CloudApiError).code).toBe("InvalidAccountPassword.Malformed");
      expect((error as CloudApiError).message).not.toContain(password);
    },
  );
});

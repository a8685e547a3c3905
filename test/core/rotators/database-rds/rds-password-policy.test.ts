import { describe, expect, it } from "vitest";
import { generateDatabasePassword } from "../../../../src/core/rotators/database/database-password-policy.ts";
import { RDS_PASSWORD_POLICY } from "../../../../src/core/rotators/database/rds-password-policy.ts";
import { CloudApiError } from "../../../../src/local-cloud/api-error.ts";
import { checkAccountPassword } from "../../../../src/local-cloud/rds/rds-account-rules.ts";

describe("RDS password policy", () => {
  it("every generated password meets RDS's rule and avoids characters that break DSNs", () => {
    // Prepare
    const passwords = Array.from({ length: 500 }, () =>
      generateDatabasePassword(RDS_PASSWORD_POLICY),
    );
    // Act
    const refused = passwords.filter((password) => {
      try {
        checkAccountPassword(password);
        return false;
      } catch {
        return true;
      }
    });
    // Assess
    expect(refused).toEqual([]);
    expect(new Set(passwords).size).toBe(passwords.length);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_!*^-]{32}$/);
  });

  it.each([
    ["too short", "Ab1-xyz"],
    ["too long", `Ab1-${"x".repeat(29)}`],
    ["only two kinds", "abcdefgh12345"],
    ["a character RDS refuses", "Abcdefg1~"],
  ])("RDS's rule refuses a password that is %s, without quoting it", (_why, password) => {
    // Prepare / Act
    let error: unknown;
    try {
      checkAccountPassword(password);
    } catch (thrown) {
      error = thrown;
    }
    // Assess
    expect(error).toBeInstanceOf(CloudApiError);
    expect((error as CloudApiError).code).toBe("InvalidAccountPassword.Malformed");
    expect((error as CloudApiError).message).not.toContain(password);
  });
});

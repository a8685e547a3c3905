/**
 * SHOW GRANTS lines as the check compares them: the account taken out, the
 * authentication clause (a password hash) cut, and a line that still holds
 * one never shown. Lines are the server's own output, as MariaDB 10.11 and
 * MySQL 8 print them.
 */
import { describe, expect, it } from "vitest";
import {
  compareGrantLines,
  normaliseGrantLines,
} from "../../../../src/core/rotators/database/mysql-grant-lines.ts";

const HASH = "*B69027D44F6E5EDC07F1AEAD1477967B16F28227";

describe("SHOW GRANTS lines", () => {
  it("cuts MariaDB's authentication clauses and keeps what follows them", () => {
    // Prepare
    const account = { user: "app", host: "%" };
    const lines = [
      `GRANT USAGE ON *.* TO \`app\`@\`%\` IDENTIFIED BY PASSWORD '${HASH}' REQUIRE SSL WITH MAX_USER_CONNECTIONS 3`,
      `GRANT USAGE ON *.* TO \`app\`@\`%\` IDENTIFIED VIA mysql_native_password USING '${HASH}' OR unix_socket WITH GRANT OPTION`,
      "GRANT EXECUTE ON PROCEDURE `d`.`p` TO `app`@`%`",
    ];

    // Act
    const normalised = normaliseGrantLines(lines, account);

    // Assess
    expect(normalised).toEqual([
      "GRANT EXECUTE ON PROCEDURE `d`.`p` TO <account>",
      "GRANT USAGE ON *.* TO <account> REQUIRE SSL WITH MAX_USER_CONNECTIONS 3",
      "GRANT USAGE ON *.* TO <account> WITH GRANT OPTION",
    ]);
  });

  it("takes out an account whose name holds backticks, quotes and dots, and only that account", () => {
    // Prepare
    const account = { user: "a.b'`c", host: "10.%" };
    const lines = [
      "GRANT `r.x` TO `a.b'``c`@`10.%`",
      "GRANT PROXY ON `a.b'``c`@`%` TO `a.b'``c`@`10.%`",
      "SET DEFAULT ROLE `r.x` FOR `a.b'``c`@`10.%`",
    ];

    // Act
    const normalised = normaliseGrantLines(lines, account);

    // Assess
    expect(normalised).toEqual([
      "GRANT PROXY ON `a.b'``c`@`%` TO <account>",
      "GRANT `r.x` TO <account>",
      "SET DEFAULT ROLE `r.x` FOR <account>",
    ]);
  });

  it("names the differing lines both ways but never one still holding a password", () => {
    // Prepare
    const current = [
      "GRANT USAGE ON *.* TO <account>",
      "GRANT SELECT ON `d`.* TO <account>",
      "REVOKE INSERT ON `d`.* FROM <account>",
    ];
    const alternate = [
      "GRANT USAGE ON *.* TO <account> IDENTIFIED BY 'plain-text-pw'",
      "GRANT SELECT ON `d`.* TO <account>",
    ];

    // Act
    const { missing, extra } = compareGrantLines(current, alternate);

    // Assess
    expect(missing).toEqual([
      "GRANT USAGE ON *.* TO <account>",
      "REVOKE INSERT ON `d`.* FROM <account>",
    ]);
    expect(extra).toEqual(["(a line about the account's authentication, not shown)"]);
    expect(JSON.stringify(extra)).not.toContain("plain-text-pw");
  });
});

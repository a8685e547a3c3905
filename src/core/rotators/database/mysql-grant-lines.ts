/**
 * SHOW GRANTS as a check, never as a source: after the alternate has been
 * brought in line from the catalogue, both accounts' SHOW GRANTS must read
 * the same once the grantee is taken out. Anything the catalogue reader
 * does not know (MySQL 8 partial revokes, a grant kind of a newer server)
 * shows up here as a difference, and the rotation is refused naming it
 * instead of leaving the alternate with less, or more, than the current
 * account.
 *
 * The authentication clause (`IDENTIFIED BY PASSWORD '*…'`,
 * `IDENTIFIED VIA plugin USING '…'`) holds a password hash: it is cut before
 * any comparison, and a line still holding one is never put in a message.
 */
import type { AccountName } from "./mysql-grant.ts";

/** SHOW GRANTS's own quoting of an account: `` `user`@`host` `` with backticks doubled. */
export function showGrantsAccount(account: AccountName): string {
  const quote = (name: string) => `\`${name.replaceAll("`", "``")}\``;
  return `${quote(account.user)}@${quote(account.host)}`;
}

/** Up to the next clause of the line: what follows the hash on a USAGE line. */
const AUTHENTICATION_CLAUSE =
  / IDENTIFIED (?:BY PASSWORD|VIA|WITH) .*?(?= REQUIRE | WITH (?:GRANT OPTION|MAX_)|$)/;

/** Stands for the account in normalised lines. */
export const GRANTEE_PLACEHOLDER = "<account>";

/**
 * The account's SHOW GRANTS lines with the grantee replaced by a
 * placeholder and the authentication clause cut, sorted.
 */
export function normaliseGrantLines(lines: string[], account: AccountName): string[] {
  const grantee = showGrantsAccount(account);
  return lines
    .map((line) => line.replace(AUTHENTICATION_CLAUSE, "").split(grantee).join(GRANTEE_PLACEHOLDER))
    .sort();
}

/** Lines of one account missing from the other, both ways; safe to show. */
export function compareGrantLines(
  current: string[],
  alternate: string[],
): { missing: string[]; extra: string[] } {
  const inAlternate = new Set(alternate);
  const inCurrent = new Set(current);
  return {
    missing: current.filter((line) => !inAlternate.has(line)).map(safeLine),
    extra: alternate.filter((line) => !inCurrent.has(line)).map(safeLine),
  };
}

/** A line for a message: one that still names a password or a hash is not shown. */
function safeLine(line: string): string {
  return /IDENTIFIED|PASSWORD|USING/i.test(line)
    ? "(a line about the account's authentication, not shown)"
    : line;
}

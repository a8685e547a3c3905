/**
 * An account's resource limits (`WITH MAX_QUERIES_PER_HOUR n …` on its
 * GRANT USAGE line), copied so the alternate is throttled exactly like the
 * current account. Read from the account's mysql.user row; MariaDB also has
 * MAX_STATEMENT_TIME.
 */
import type mysql from "mysql2/promise";
import { DatabaseRotationRefusedError } from "./database-errors.ts";
import type { MysqlFlavour } from "./mysql-grant-reader.ts";

/** mysql.user column → ALTER USER option. */
const LIMITS = [
  ["max_questions", "MAX_QUERIES_PER_HOUR"],
  ["max_updates", "MAX_UPDATES_PER_HOUR"],
  ["max_connections", "MAX_CONNECTIONS_PER_HOUR"],
  ["max_user_connections", "MAX_USER_CONNECTIONS"],
] as const;

/** The columns to select from mysql.user for this flavour. */
export function resourceLimitColumns(flavour: MysqlFlavour): string {
  const columns: string[] = LIMITS.map(([column]) => column);
  if (flavour === "mariadb") columns.push("max_statement_time");
  return columns.join(", ");
}

/**
 * `WITH MAX_QUERIES_PER_HOUR 0 …` for an ALTER USER, from a mysql.user row.
 * The numbers come from the server; each is checked to be one before it
 * goes into the statement.
 */
export function resourceLimitsClause(row: mysql.RowDataPacket, flavour: MysqlFlavour): string {
  const parts = LIMITS.map(([column, option]) => `${option} ${integer(row[column], column)}`);
  if (flavour === "mariadb") {
    const seconds = Number(row.max_statement_time ?? 0);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new DatabaseRotationRefusedError(
        "unexpected max_statement_time in mysql.user; refusing to copy it",
      );
    }
    parts.push(`MAX_STATEMENT_TIME ${seconds}`);
  }
  return `WITH ${parts.join(" ")}`;
}

function integer(value: unknown, column: string): number {
  const number = Number(value ?? 0);
  if (!Number.isSafeInteger(number)) {
    throw new DatabaseRotationRefusedError(
      `unexpected ${column} in mysql.user; refusing to copy it`,
    );
  }
  return number;
}

/**
 * MySQL rotations through the RDS OpenAPI: the secret names a DBInstanceId,
 * the local cloud's RDS product manages the accounts on a real MariaDB, and
 * every password is proven by logging in to it. The cases are the ones every
 * engine shares (rds-rotation-cases.ts).
 */
import { describe } from "vitest";
import { rdsRotationCases } from "./rds-rotation-cases.ts";
import { RDS_MYSQL } from "./rds-rotation-fixtures.ts";

const TIMEOUT = 90_000;

describe.skipIf(await RDS_MYSQL.skip())("database rotation over RDS on a real MariaDB", () => {
  const world = RDS_MYSQL.useWorld();
  rdsRotationCases(world, RDS_MYSQL, TIMEOUT);
});

/**
 * templates/rotate-mysql/policy.json is sufficient and minimal against a
 * real MariaDB: the SQL rotator policy proof (support/sql-policy-suite.ts).
 */
import { skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { describeSqlRotatorPolicy } from "./support/sql-policy-suite.ts";

describeSqlRotatorPolicy({
  engine: "mysql",
  otherEngine: "postgres",
  title: "the MySQL rotator's RAM policy (MariaDB)",
  skip: skipUnlessMariaDb(),
  startServer: () => startMariaDb(),
});

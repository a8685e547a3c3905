/**
 * templates/rotate-postgres/policy.json is sufficient and minimal against a
 * real PostgreSQL: the SQL rotator policy proof (support/sql-policy-suite.ts).
 */
import { skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { describeSqlRotatorPolicy } from "./support/sql-policy-suite.ts";

describeSqlRotatorPolicy({
  engine: "postgres",
  otherEngine: "mysql",
  title: "the PostgreSQL rotator's RAM policy",
  skip: await skipUnlessPostgres(),
  startServer: () => startPostgres(),
});

/**
 * The conformance suite for PostgreSQL rotation over RDS: the rotator's RDS
 * calls go to a local cloud whose RDS product manages accounts on a real
 * PostgreSQL (the suite's own local cloud holds the secrets), and every RDS
 * call is an external call the suite crashes before.
 */
import { describe } from "vitest";
import { testRotator } from "../../../src/testing/test-rotator.ts";
import { useLocalPostgresRds } from "../../local-cloud-rds/local-rds-postgres.ts";
import { skipUnlessPostgres } from "../../support/postgres.ts";
import { createPostgresRdsAccount, rdsPostgresRotator } from "./rds-postgres-fixtures.ts";

describe.skipIf(await skipUnlessPostgres())("postgres rotator over RDS on PostgreSQL", () => {
  const world = useLocalPostgresRds();
  const rotator = rdsPostgresRotator(() => world().rds());

  /** Throws unless the stored value's account logs in with its password. */
  const verify = async (data: string) => {
    const value = JSON.parse(data) as { AccountName: string; AccountPassword: string };
    if (!(await world().canLogin(value.AccountName, value.AccountPassword))) {
      throw new Error(`account ${value.AccountName} does not log in with the stored password`);
    }
  };

  describe("dual-account mode", () => {
    testRotator({
      rotator,
      async prepare() {
        const value = await createPostgresRdsAccount(world(), "dual");
        return { data: JSON.stringify(value), tags: { "rotor:rotator": "postgres" }, verify };
      },
      badValues: [
        {
          data: JSON.stringify({
            AccountName: "app_x",
            AccountPassword: "Init-Password-1",
            engine: "postgres",
            host: "127.0.0.1",
            port: 5432,
            DBInstanceId: "pgm local",
          }),
          error: /DBInstanceId/,
        },
      ],
    });
  });

  describe("single-user mode", () => {
    testRotator({
      rotator,
      async prepare() {
        const value = await createPostgresRdsAccount(world(), "single");
        return { data: JSON.stringify(value), tags: { "rotor:rotator": "postgres" }, verify };
      },
      badValues: [],
    });
  });
});

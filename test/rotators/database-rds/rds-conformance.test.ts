/**
 * The conformance suite for database rotation over RDS: the rotator's RDS
 * calls go to a local cloud whose RDS product manages accounts on a real
 * MariaDB (the suite's own local cloud holds the secrets), and every RDS
 * call is an external call the suite crashes before.
 */
import { describe } from "vitest";
import { testRotator } from "../../../src/testing/test-rotator.ts";
import { useLocalRds } from "../../local-cloud-rds/local-rds.ts";
import { skipUnlessMariaDb } from "../../support/mariadb.ts";
import { createRdsApplicationAccount, rdsMysqlRotator } from "./rds-rotation-fixtures.ts";

describe.skipIf(skipUnlessMariaDb())("mysql rotator over RDS on MariaDB", () => {
  const world = useLocalRds();
  const rotator = rdsMysqlRotator(() => world().rds());

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
        const value = await createRdsApplicationAccount(world(), { mode: "dual" });
        return { data: JSON.stringify(value), tags: { "rotor:rotator": "mysql" }, verify };
      },
      badValues: [
        {
          data: JSON.stringify({
            AccountName: "app_x",
            AccountPassword: "Init-Password-1",
            engine: "mysql",
            host: "127.0.0.1",
            port: 3306,
            DBInstanceId: "rm local",
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
        const value = await createRdsApplicationAccount(world(), { mode: "single" });
        return { data: JSON.stringify(value), tags: { "rotor:rotator": "mysql" }, verify };
      },
      badValues: [],
    });
  });
});

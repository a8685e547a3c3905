import { afterAll, beforeAll, describe } from "vitest";
import { mysqlRotator } from "../../../../src/core/rotators/database/mysql-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import { databaseBadValues } from "./database-bad-values.ts";
import {
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  verifyLogin,
} from "./database-fixtures.ts";

describe.skipIf(skipUnlessMariaDb())("mysql rotator on MariaDB", () => {
  let server: RunningMariaDb;
  const target = (): TestServer => ({ engine: "mysql", server });
  beforeAll(async () => {
    server = await startMariaDb();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("dual-account mode", () => {
    testRotator({
      rotator: mysqlRotator,
      async prepare(harness) {
        const master = await createMasterSecret(
          harness.admin,
          target(),
          harness.uniqueName("mysql-master"),
        );
        const value = await createApplicationAccount(target(), { masterSecret: master });
        return {
          data: JSON.stringify(value),
          tags: { "rotor:rotator": "mysql" },
          verify: (data) => verifyLogin(target(), data),
        };
      },
      badValues: databaseBadValues("mysql"),
    });
  });

  describe("single-user mode", () => {
    testRotator({
      rotator: mysqlRotator,
      async prepare() {
        const value = await createApplicationAccount(target());
        return {
          data: JSON.stringify(value),
          tags: { "rotor:rotator": "mysql" },
          verify: (data) => verifyLogin(target(), data),
        };
      },
      badValues: [],
    });
  });
});

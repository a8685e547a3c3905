import { afterAll, beforeAll, describe } from "vitest";
import { postgresRotator } from "../../../../src/core/rotators/database/postgres-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import { databaseBadValues } from "./database-bad-values.ts";
import {
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  verifyLogin,
} from "./database-fixtures.ts";

describe.skipIf(await skipUnlessPostgres())("postgres rotator", () => {
  let server: RunningPostgres;
  const target = (): TestServer => ({ engine: "postgres", server });
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("dual-account mode", () => {
    testRotator({
      rotator: postgresRotator,
      async prepare(harness) {
        const master = await createMasterSecret(
          harness.admin,
          target(),
          harness.uniqueName("postgres-master"),
        );
        const value = await createApplicationAccount(target(), { masterSecret: master });
        return {
          data: JSON.stringify(value),
          tags: { "rotor:rotator": "postgres" },
          verify: (data) => verifyLogin(target(), data),
        };
      },
      badValues: databaseBadValues("postgres"),
    });
  });

  describe("single-user mode", () => {
    testRotator({
      rotator: postgresRotator,
      async prepare() {
        const value = await createApplicationAccount(target());
        return {
          data: JSON.stringify(value),
          tags: { "rotor:rotator": "postgres" },
          verify: (data) => verifyLogin(target(), data),
        };
      },
      badValues: [],
    });
  });
});

/**
 * The conformance suite for PostgreSQL's owner-role mode on a real
 * PostgreSQL: a crash before every external call (the owner role's reads,
 * creation, grants and settings included) followed by a resume, concurrent
 * scheduled and emergency invocations, bad values. Each secret's owner role
 * does not exist yet, so the first rotation creates it.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { postgresRotator } from "../../../../src/core/rotators/database/postgres-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import { createMasterSecret, verifyLogin } from "./database-fixtures.ts";
import { createOwnerRoleAccounts, ownerRoleValue } from "./postgres-owner-role-fixtures.ts";

describe.skipIf(await skipUnlessPostgres())("postgres rotator, owner-role mode", () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  testRotator({
    rotator: postgresRotator,
    async prepare(harness) {
      const accounts = await createOwnerRoleAccounts(server, { ownerExists: false });
      const master = await createMasterSecret(
        harness.admin,
        { engine: "postgres", server },
        harness.uniqueName("postgres-master"),
      );
      return {
        data: JSON.stringify(ownerRoleValue(server, accounts, master)),
        tags: { "rotor:rotator": "postgres" },
        verify: (data) => verifyLogin({ engine: "postgres", server }, data),
      };
    },
    badValues: [
      {
        data: JSON.stringify({
          AccountName: "app",
          AccountPassword: "Init-Password-1",
          engine: "postgres",
          host: "127.0.0.1",
          port: 5432,
          mode: "single",
          ownerRole: "app_owner",
        }),
        error: /ownerRole/,
      },
      {
        data: JSON.stringify({
          AccountName: "app",
          AccountPassword: "Init-Password-1",
          engine: "postgres",
          host: "127.0.0.1",
          port: 5432,
          masterSecret: "postgres-master",
          ownerRole: "app_rt",
        }),
        error: /ownerRole/,
      },
    ],
  });
});

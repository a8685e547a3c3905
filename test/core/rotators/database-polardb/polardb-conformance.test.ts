/**
 * The conformance suite for database rotation over PolarDB, on each
 * edition: the rotator's PolarDB calls go to a local cloud whose PolarDB
 * product manages accounts on a real MariaDB or PostgreSQL (the suite's own
 * local cloud holds the secrets), and every PolarDB call is an external
 * call the suite crashes before. Dual-account mode on PolarDB for
 * PostgreSQL is a pre-created pair; the suite stores one version only, so
 * the second account starts with the first one's password (the secret
 * holds it as ACSCurrent's, which proves the account is the pair's).
 */
import { describe } from "vitest";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import {
  createPolarDbApplication,
  POLARDB_MYSQL,
  POLARDB_POSTGRES,
  type PolarDbRotationEngine,
  polarDbRotator,
} from "./polardb-rotation-fixtures.ts";

for (const engine of [POLARDB_MYSQL, POLARDB_POSTGRES] as PolarDbRotationEngine[]) {
  describe.skipIf(await engine.skip())(
    `${engine.kind} rotator over PolarDB for ${engine.edition} on ${engine.serverName}`,
    () => {
      const world = engine.useWorld();
      const rotator = polarDbRotator(engine, () => world().polardb());

      /** Throws unless the stored value's account logs in with its password. */
      const verify = async (data: string) => {
        const value = JSON.parse(data) as { AccountName: string; AccountPassword: string };
        if (!(await world().canLogin(value.AccountName, value.AccountPassword))) {
          throw new Error(`account ${value.AccountName} does not log in with the stored password`);
        }
      };
      const prepareIn = (mode: "dual" | "single") => async () => {
        const { value, second } = await createPolarDbApplication(world(), engine, mode);
        if (second) {
          await world().polardb().modifyAccountPassword({
            dbClusterId: world().clusterId,
            accountName: second.AccountName,
            newAccountPassword: value.AccountPassword,
          });
        }
        return { data: JSON.stringify(value), tags: { "rotor:rotator": engine.kind }, verify };
      };

      describe("dual-account mode", () => {
        testRotator({
          rotator,
          policy: ANY_INSTANCE,
          prepare: prepareIn("dual"),
          badValues: [
            {
              data: JSON.stringify({
                AccountName: "app_x",
                AccountPassword: "Init-Password-1",
                engine: engine.kind,
                host: "127.0.0.1",
                port: 3306,
                // Upper case: no DBClusterId PolarDB would issue.
                DBClusterId: "pc-LOCAL",
                mode: "dual",
              }),
              error: /DBClusterId/,
            },
            {
              data: JSON.stringify({
                AccountName: "app_x",
                AccountPassword: "Init-Password-1",
                engine: engine.kind,
                host: "127.0.0.1",
                port: 3306,
                DBInstanceId: "rm-local01",
                DBClusterId: "pc-local01",
                mode: "dual",
              }),
              error: /DBClusterId/,
            },
          ],
        });
      });

      describe("single-user mode", () => {
        testRotator({
          rotator,
          policy: ANY_INSTANCE,
          prepare: prepareIn("single"),
          badValues: [],
        });
      });
    },
  );
}

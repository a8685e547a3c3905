/**
 * The conformance suite for database rotation over RDS, on each engine: the
 * rotator's RDS calls go to a local cloud whose RDS product manages accounts
 * on a real MariaDB or PostgreSQL (the suite's own local cloud holds the
 * secrets), and every RDS call is an external call the suite crashes before.
 */
import { describe } from "vitest";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import {
  createRdsApplicationAccount,
  RDS_MYSQL,
  RDS_POSTGRES,
  type RdsRotationEngine,
  rdsRotator,
} from "./rds-rotation-fixtures.ts";

const engines: RdsRotationEngine[] = [RDS_MYSQL, RDS_POSTGRES];

for (const engine of engines) {
  describe.skipIf(await engine.skip())(
    `${engine.kind} rotator over RDS on ${engine.serverName}`,
    () => {
      const world = engine.useWorld();
      const rotator = rdsRotator(engine, () => world().rds());

      /** Throws unless the stored value's account logs in with its password. */
      const verify = async (data: string) => {
        const value = JSON.parse(data) as { AccountName: string; AccountPassword: string };
        if (!(await world().canLogin(value.AccountName, value.AccountPassword))) {
          throw new Error(`account ${value.AccountName} does not log in with the stored password`);
        }
      };
      const prepareIn = (mode: "dual" | "single") => async () => {
        const value = await createRdsApplicationAccount(world(), engine, mode);
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
                port: engine.defaultPort,
                // A space: no DBInstanceId RDS would issue.
                DBInstanceId: `${engine.idPrefix.slice(0, -1)} local`,
              }),
              error: /DBInstanceId/,
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

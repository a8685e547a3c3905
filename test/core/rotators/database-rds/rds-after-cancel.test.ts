/**
 * A dual-account rotation over RDS cancelled after its setSecret, on a real
 * MariaDB and PostgreSQL behind a local DBInstanceId: ResetAccountPassword
 * (or CreateAccount, on the first rotation) already gave the alternate the
 * cancelled version's password, which no stage names any more. The next
 * rotation proves the alternate by that abandoned version and rotates.
 */
import { describe, expect, it } from "vitest";
import { cancelRotation } from "../../../../src/core/engine/cancel-rotation.ts";
import {
  createRdsApplicationAccount,
  RDS_MYSQL,
  RDS_POSTGRES,
  type RdsRotationEngine,
  rdsRotationSetup,
} from "./rds-rotation-fixtures.ts";

const TIMEOUT = 90_000;
/** Past the cancelled rotation's lease, so the cancel needs no force. */
const LATER = 2 * 60 * 60 * 1000;

for (const engine of [RDS_MYSQL, RDS_POSTGRES] as RdsRotationEngine[]) {
  describe.skipIf(await engine.skip())(
    `${engine.kind} dual-account rotation over RDS after a cancel, on a real ${engine.serverName}`,
    () => {
      const world = engine.useWorld();

      it.each([
        ["the first rotation (the alternate was just created)", 0],
        ["a later rotation (the alternate was ACSPrevious)", 1],
      ])(
        "rotates after %s was cancelled past its setSecret",
        async (_which, rotations) => {
          // Prepare
          const setup = rdsRotationSetup(world(), engine);
          const original = await createRdsApplicationAccount(world(), engine, "dual");
          const secretName = await setup.createSecret(original);
          for (let done = 0; done < rotations; done++) await setup.engine().rotate({ secretName });
          const stopped = setup.engine();
          const { versionId } = await stopped.rotate({ secretName, step: "createSecret" });
          await stopped.rotate({ secretName, step: "setSecret", versionId });
          const cancelledValue = await setup.read(secretName, "ACSPending");
          const cancelled = await cancelRotation({
            kms: world().cloud.kms,
            secretName,
            testCurrent: async () => undefined,
            now: Date.now() + LATER,
          });
          expect(cancelled.cancelledVersionId).toBe(versionId);
          const before = await setup.read(secretName);

          // Act
          const result = await setup.engine().rotate({ secretName });

          // Assess
          const { canLogin } = world();
          expect(result.outcome).toBe("rotated");
          const current = await setup.read(secretName);
          expect(current.AccountName).toBe(cancelledValue.AccountName);
          expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
          expect(await canLogin(before.AccountName, before.AccountPassword)).toBe(true);
          expect(await canLogin(cancelledValue.AccountName, cancelledValue.AccountPassword)).toBe(
            false,
          );
        },
        TIMEOUT,
      );
    },
  );
}

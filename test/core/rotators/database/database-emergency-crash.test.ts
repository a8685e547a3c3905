/**
 * An emergency rotation that dies before any one of its external calls (KMS
 * or SQL), then a later invocation resumes it: the secret ends consistent,
 * ACSCurrent logs in, and neither leaked password (ACSCurrent's and
 * ACSPrevious's) does, wherever the crash came, the switch included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crashBefore, LATER } from "../../../support/crash-before.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";

const servers: { engine: "mysql" | "postgres"; skip: boolean }[] = [
  { engine: "mysql", skip: skipUnlessMariaDb() },
  { engine: "postgres", skip: await skipUnlessPostgres() },
];

for (const { engine, skip } of servers) {
  describe.skipIf(skip)(`${engine} emergency rotation interrupted at every external call`, () => {
    let server: RunningMariaDb | RunningPostgres;
    let setup: DatabaseRotationSetup;
    const target = () => ({ engine, server }) as TestServer;

    beforeAll(async () => {
      [server, setup] = await Promise.all([
        engine === "mysql" ? startMariaDb() : startPostgres(),
        startDatabaseRotationSetup(),
      ]);
    });
    afterAll(async () => {
      await setup?.close();
      await server?.stop();
    });

    /** A dual-account secret rotated once, so ACSCurrent and ACSPrevious name the two accounts. */
    const rotatedSecret = async () => {
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-emergency`, value);
      await setup.engine().rotate({ secretName });
      return secretName;
    };

    it("ends consistent with a working ACSCurrent, the leaked passwords refused", async () => {
      // Prepare: how many external calls one clean emergency rotation makes.
      const probe = crashBefore(Number.POSITIVE_INFINITY);
      await setup
        .engine({ beforeExternalCall: probe.hook })
        .rotate({ secretName: await rotatedSecret(), emergency: true });
      const total = probe.calls.length;
      expect(probe.calls.some((call) => call.kind === "external")).toBe(true);

      for (let crashAt = 1; crashAt <= total; crashAt++) {
        const secretName = await rotatedSecret();
        const leakedCurrent = await setup.read(secretName);
        const leakedPrevious = await setup.read(secretName, "ACSPrevious");
        const crash = crashBefore(crashAt);

        // Act
        const crashed = setup
          .engine({ beforeExternalCall: crash.hook })
          .rotate({ secretName, emergency: true });
        // The last two calls remove the revoke marker (label, then tag): their failure only warns.
        if (crashAt >= total - 1) await crashed;
        else await expect(crashed).rejects.toBeInstanceOf(Error);
        const resumed = await setup
          .engine({ clockOffsetMs: LATER })
          .rotate({ secretName, emergency: true });

        // Assess
        const crashedCall = crash.calls[crashAt - 1];
        const where = `crash before call ${crashAt} (${crashedCall?.kind} ${crashedCall?.name})`;
        expect(["rotated", "already-current"], where).toContain(resumed.outcome);
        const versions = (await setup.kms.listSecretVersionIds({ secretName })).versions;
        const holding = (stage: string) =>
          versions.filter((version) => version.versionStages.includes(stage)).length;
        expect(
          [holding("ACSCurrent"), holding("ACSPrevious"), holding("ACSPending")],
          where,
        ).toEqual([1, 1, 0]);
        const current = await setup.read(secretName);
        expect(await canLogin(target(), current.AccountName, current.AccountPassword), where).toBe(
          true,
        );
        expect(
          await canLogin(target(), leakedPrevious.AccountName, leakedPrevious.AccountPassword),
          where,
        ).toBe(false);
        // A crash between the switch and the revoke too: the next invocation revokes first.
        expect(
          await canLogin(target(), leakedCurrent.AccountName, leakedCurrent.AccountPassword),
          where,
        ).toBe(false);
      }
    }, 300_000);
  });
}

/**
 * PostgreSQL rotations through the RDS OpenAPI: the secret names a
 * DBInstanceId, the local cloud's RDS product manages the accounts on a real
 * PostgreSQL, and every password is proven by logging in to it. The cases
 * every engine shares (rds-rotation-cases.ts), then PostgreSQL's own: a
 * current account holding rights RDS cannot grant by name, and a crash
 * before every external call then a resume.
 */
import { describe, expect, it } from "vitest";
import { privilegesOf } from "../../../local-cloud/rds/local-rds-world.ts";
import { crashBefore, LATER } from "../../../support/crash-before.ts";
import { rdsRotationCases } from "./rds-rotation-cases.ts";
import {
  createRdsApplicationAccount,
  RDS_POSTGRES,
  rdsRotationSetup,
} from "./rds-rotation-fixtures.ts";

const TIMEOUT = 120_000;

describe.skipIf(await RDS_POSTGRES.skip())(
  "postgres rotation over RDS on a real PostgreSQL",
  () => {
    const world = RDS_POSTGRES.useWorld();
    const rotationSetup = () => rdsRotationSetup(world(), RDS_POSTGRES);
    const newAccount = (mode: "dual" | "single") =>
      createRdsApplicationAccount(world(), RDS_POSTGRES, mode);
    rdsRotationCases(world, RDS_POSTGRES, TIMEOUT);

    it(
      "refuses, before any change, a current account holding rights RDS cannot grant by name (Custom)",
      async () => {
        // Prepare
        const { runAsAdmin, postgres, canLogin, rds, instanceId } = world();
        const setup = rotationSetup();
        const original = await newAccount("dual");
        const partial = await world().createDatabase();
        await runAsAdmin(
          postgres.database,
          `GRANT CONNECT ON DATABASE ${partial} TO ${original.AccountName}`,
        );
        const secretName = await setup.createSecret(original);
        // Act
        const attempt = setup.engine().rotate({ secretName });
        // Assess
        await expect(attempt).rejects.toThrow(/cannot grant by name/);
        const alternate = await rds().describeAccounts({
          dbInstanceId: instanceId,
          accountName: `${original.AccountName}_rt`,
        });
        expect(alternate.accounts).toEqual([]);
        expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
        expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it("dual-account, first rotation: a crash before any external call (KMS, RDS or login) is resumed by a later invocation to a working pair", async () => {
      // Prepare: how many external calls one clean first rotation makes.
      const setup = rotationSetup();
      const probe = crashBefore(Number.POSITIVE_INFINITY);
      await setup.engine({ beforeExternalCall: probe.hook }).rotate({
        secretName: await setup.createSecret(await newAccount("dual")),
      });
      const total = probe.calls.length;
      const names = probe.calls.map((call) => call.name);
      expect(names).toEqual(
        expect.arrayContaining(["rds.CreateAccount", "rds.GrantAccountPrivilege"]),
      );

      for (let crashAt = 1; crashAt <= total; crashAt++) {
        const original = await newAccount("dual");
        const secretName = await setup.createSecret(original);
        const crash = crashBefore(crashAt);

        // Act
        const crashed = setup.engine({ beforeExternalCall: crash.hook }).rotate({ secretName });
        await expect(crashed).rejects.toBeInstanceOf(Error);
        const resumed = await setup.engine({ clockOffsetMs: LATER }).rotate({ secretName });

        // Assess
        const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
        expect(["rotated", "already-current"], where).toContain(resumed.outcome);
        expect(await setup.stageCounts(secretName), where).toEqual([1, 1, 0]);
        const current = await setup.read(secretName);
        const previous = await setup.read(secretName, "ACSPrevious");
        const { canLogin, runAs } = world();
        expect(current.AccountName, where).toBe(`${original.AccountName}_rt`);
        expect(await canLogin(current.AccountName, current.AccountPassword), where).toBe(true);
        expect(await canLogin(previous.AccountName, previous.AccountPassword), where).toBe(true);
        await runAs(
          current.AccountName,
          current.AccountPassword,
          original.database,
          "INSERT INTO items VALUES (1)",
        );
        expect(await privilegesOf(world(), current.AccountName), where).toEqual({
          [original.database]: "DBOwner",
        });
      }
    }, 600_000);

    it("emergency, dual-account: a crash before any external call, the switch included, is resumed with the leaked passwords refused", async () => {
      // Prepare: a secret rotated once, so ACSCurrent and ACSPrevious name the two accounts.
      const setup = rotationSetup();
      const rotatedSecret = async () => {
        const secretName = await setup.createSecret(await newAccount("dual"));
        await setup.engine().rotate({ secretName });
        return secretName;
      };
      const probe = crashBefore(Number.POSITIVE_INFINITY);
      await setup
        .engine({ beforeExternalCall: probe.hook })
        .rotate({ secretName: await rotatedSecret(), emergency: true });
      const names = probe.calls.map((call) => call.name);
      expect(names).toContain("rds.ResetAccountPassword");

      for (let crashAt = 1; crashAt <= names.length; crashAt++) {
        const secretName = await rotatedSecret();
        const leakedCurrent = await setup.read(secretName);
        const leakedPrevious = await setup.read(secretName, "ACSPrevious");
        const crash = crashBefore(crashAt);

        // Act
        const crashed = setup
          .engine({ beforeExternalCall: crash.hook })
          .rotate({ secretName, emergency: true });
        // The last two calls remove the revoke marker (label, then tag): their failure only warns.
        if (crashAt >= names.length - 1) await crashed;
        else await expect(crashed).rejects.toBeInstanceOf(Error);
        const resumed = await setup
          .engine({ clockOffsetMs: LATER })
          .rotate({ secretName, emergency: true });

        // Assess
        const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
        const { canLogin } = world();
        expect(["rotated", "already-current"], where).toContain(resumed.outcome);
        expect(await setup.stageCounts(secretName), where).toEqual([1, 1, 0]);
        const current = await setup.read(secretName);
        expect(await canLogin(current.AccountName, current.AccountPassword), where).toBe(true);
        for (const leaked of [leakedCurrent, leakedPrevious]) {
          expect(await canLogin(leaked.AccountName, leaked.AccountPassword), where).toBe(false);
        }
      }
    }, 600_000);
  },
);

/**
 * The two accounts of a dual-account secret on PolarDB for MySQL hold the
 * same privileges: what the current account gained is granted to the
 * alternate before it becomes current, and an alternate holding a
 * privilege the current account does not (granted by hand, or left after
 * the current account lost it) is refused before any change, since the
 * PolarDB API the function is allowed to call cannot take it away and the
 * application would gain it at the switch.
 */
import { describe, expect, it } from "vitest";
import { DatabaseRotationRefusedError } from "../../../../src/core/rotators/database/database-errors.ts";
import { describedAccount } from "../../../local-cloud/polardb/local-polardb-world.ts";
import {
  createPolarDbApplication,
  POLARDB_MYSQL,
  polarDbRotationSetup,
} from "./polardb-rotation-fixtures.ts";

const TIMEOUT = 120_000;

describe.skipIf(await POLARDB_MYSQL.skip())(
  "mysql over PolarDB for MySQL: the two accounts hold the same privileges",
  () => {
    const world = POLARDB_MYSQL.useWorld();
    const privilegesOf = async (account: string) =>
      ((await describedAccount(world(), account))?.databasePrivileges ?? [])
        .map((grant) => `${grant.dbName}:${grant.accountPrivilege}`)
        .sort();

    it(
      "after every rotation the alternate holds exactly the current account's privileges, also one gained since the last",
      async () => {
        // Prepare
        const rotations = polarDbRotationSetup(world(), POLARDB_MYSQL);
        const application = await createPolarDbApplication(world(), POLARDB_MYSQL, "dual");
        const { value } = application;
        const secretName = await rotations.createSecret(application);
        const rotation = rotations.engine();
        await rotation.rotate({ secretName });
        const reports = await world().createDatabase();
        await world()
          .polardb()
          .grantAccountPrivilege({
            dbClusterId: world().clusterId,
            accountName: `${value.AccountName}_rt`,
            grants: [{ dbName: reports, privilege: "ReadOnly" }],
          });
        // Act: the original account is current again, then the alternate
        await rotation.rotate({ secretName });
        await rotation.rotate({ secretName });
        // Assess
        const current = await rotations.read(secretName);
        const previous = await rotations.read(secretName, "ACSPrevious");
        const expected = [`${reports}:ReadOnly`, `${value.database}:ReadWrite`].sort();
        expect(await privilegesOf(current.AccountName)).toEqual(expected);
        expect(await privilegesOf(previous.AccountName)).toEqual(expected);
        for (const account of [current, previous]) {
          await world().runAs(
            account.AccountName,
            account.AccountPassword,
            reports,
            "SELECT * FROM items",
          );
        }
      },
      TIMEOUT,
    );

    it(
      "refuses, before any change, an alternate holding a privilege on a database the current account has none on",
      async () => {
        // Prepare: app_rt exists with app's privileges, then gets one app lacks
        const rotations = polarDbRotationSetup(world(), POLARDB_MYSQL);
        const application = await createPolarDbApplication(world(), POLARDB_MYSQL, "dual");
        const secretName = await rotations.createSecret(application);
        await rotations.engine().rotate({ secretName });
        await rotations.engine().rotate({ secretName });
        const current = await rotations.read(secretName);
        const alternate = await rotations.read(secretName, "ACSPrevious");
        const payroll = await world().createDatabase();
        await world()
          .polardb()
          .grantAccountPrivilege({
            dbClusterId: world().clusterId,
            accountName: alternate.AccountName,
            grants: [{ dbName: payroll, privilege: "ReadWrite" }],
          });
        const calls: string[] = [];
        // Act
        const attempt = rotations
          .engine({ beforeExternalCall: (call) => calls.push(call.name) })
          .rotate({ secretName });
        // Assess
        await expect(attempt).rejects.toBeInstanceOf(DatabaseRotationRefusedError);
        await expect(attempt).rejects.toThrow(
          new RegExp(`${alternate.AccountName}.*${payroll}.*${current.AccountName}`),
        );
        expect(calls).not.toContain("polardb.ModifyAccountPassword");
        expect(calls).not.toContain("polardb.GrantAccountPrivilege");
        expect(calls).not.toContain("UpdateSecretVersionStage");
        expect(await rotations.stageCounts(secretName)).toEqual([1, 1, 1]);
        expect((await rotations.read(secretName)).AccountPassword).toBe(current.AccountPassword);
        expect(
          await world().canLogin(alternate.AccountName, alternate.AccountPassword, payroll),
        ).toBe(true);
        expect(await privilegesOf(current.AccountName)).toEqual([
          `${application.value.database}:ReadWrite`,
        ]);
      },
      TIMEOUT,
    );
  },
);

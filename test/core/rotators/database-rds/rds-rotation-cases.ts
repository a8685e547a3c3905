/**
 * The RDS rotation cases every engine behind a local DBInstanceId must pass
 * the same way (MariaDB and PostgreSQL alike): dual-account turns, a
 * privilege the current account gained later, single-user, an emergency,
 * an unknown instance and a role RAM refuses. Every password is proven by
 * logging in to the real server. Called inside an engine's describe block,
 * next to that engine's own cases.
 */
import { expect, it } from "vitest";
import { type LocalRdsWorld, privilegesOf } from "../../../local-cloud/rds/local-rds-world.ts";
import { accessKeyAllowedOnly } from "../../../support/ram-user-key.ts";
import {
  createRdsApplicationAccount,
  type RdsRotationEngine,
  rdsRotationSetup,
} from "./rds-rotation-fixtures.ts";

/** Registers the shared cases in the calling describe block. */
export function rdsRotationCases(
  world: () => LocalRdsWorld,
  engine: RdsRotationEngine,
  timeoutMs: number,
): void {
  const newAccount = (mode: "dual" | "single") =>
    createRdsApplicationAccount(world(), engine, mode);

  it(
    "dual-account: creates the alternate through RDS with the current account's database privileges, then takes turns",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("dual");
      const secretName = await setup.createSecret(original);
      const rotation = setup.engine();
      // Act
      await rotation.rotate({ secretName });
      const first = await setup.read(secretName);
      await rotation.rotate({ secretName });
      const second = await setup.read(secretName);
      // Assess
      const { canLogin, runAs, logLines } = world();
      expect(first.AccountName).toBe(`${original.AccountName}_rt`);
      expect(second.AccountName).toBe(original.AccountName);
      expect(await canLogin(second.AccountName, second.AccountPassword)).toBe(true);
      // The previous account keeps the password it had, for applications that cached it.
      expect(await canLogin(first.AccountName, first.AccountPassword)).toBe(true);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
      await runAs(
        first.AccountName,
        first.AccountPassword,
        original.database,
        "INSERT INTO items VALUES (1)",
      );
      expect(await privilegesOf(world(), first.AccountName)).toEqual({
        [original.database]: engine.ownerPrivilege,
      });
      for (const value of [first, second]) {
        expect(value.AccountPassword).toHaveLength(32);
        expect(setup.logLines.join("\n")).not.toContain(value.AccountPassword);
        expect(logLines.join("\n")).not.toContain(value.AccountPassword);
      }
    },
    timeoutMs,
  );

  it(
    "dual-account: a database privilege the current account gained later is granted to the alternate at the next rotation",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase, runAs } = world();
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("dual");
      const secretName = await setup.createSecret(original);
      const rotation = setup.engine();
      await rotation.rotate({ secretName });
      const reports = await createDatabase();
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: `${original.AccountName}_rt`,
        grants: [{ dbName: reports, privilege: engine.otherPrivilege }],
      });
      // Act
      await rotation.rotate({ secretName });
      const current = await setup.read(secretName);
      // Assess
      expect(current.AccountName).toBe(original.AccountName);
      expect(await privilegesOf(world(), current.AccountName)).toEqual({
        [original.database]: engine.ownerPrivilege,
        [reports]: engine.otherPrivilege,
      });
      await runAs(current.AccountName, current.AccountPassword, reports, "SELECT * FROM items");
    },
    timeoutMs,
  );

  it(
    "single-user: ResetAccountPassword on the one account; the old password stops working",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("single");
      const secretName = await setup.createSecret(original);
      // Act
      await setup.engine().rotate({ secretName });
      const rotated = await setup.read(secretName);
      // Assess
      const { canLogin } = world();
      expect(rotated.AccountName).toBe(original.AccountName);
      expect(await canLogin(rotated.AccountName, rotated.AccountPassword)).toBe(true);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
      expect(setup.logLines.join("\n")).not.toContain(rotated.AccountPassword);
    },
    timeoutMs,
  );

  it(
    "emergency, dual-account: the leaked account's password changes too, so both accounts end with new passwords",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("dual");
      const secretName = await setup.createSecret(original);
      const rotation = setup.engine();
      await rotation.rotate({ secretName });
      const leaked = await setup.read(secretName);
      // Act
      await rotation.rotate({ secretName, emergency: true });
      const current = await setup.read(secretName);
      // Assess
      const { canLogin } = world();
      expect(current.AccountName).toBe(original.AccountName);
      expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
      expect(await canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
      expect(await setup.stageCounts(secretName)).toEqual([1, 1, 0]);
    },
    timeoutMs,
  );

  it(
    "an unknown DBInstanceId stops the rotation with RDS's error; the secret and the account are unchanged",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("single");
      const secretName = await setup.createSecret({
        ...original,
        DBInstanceId: `${engine.idPrefix}unknown1`,
      });
      // Act
      const attempt = setup.engine().rotate({ secretName });
      // Assess
      await expect(attempt).rejects.toThrow(/InvalidDBInstanceId\.NotFound/);
      expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
      expect(await world().canLogin(original.AccountName, original.AccountPassword)).toBe(true);
    },
    timeoutMs,
  );

  it(
    "a function role RAM refuses rds:ResetAccountPassword cannot rotate; the account keeps its password",
    async () => {
      // Prepare
      const { cloud, instanceId, rds, canLogin } = world();
      const setup = rdsRotationSetup(world(), engine);
      const original = await newAccount("single");
      const secretName = await setup.createSecret(original);
      const key = await accessKeyAllowedOnly(cloud, "fn", {
        Action: ["rds:DescribeAccounts", "rds:CreateAccount", "rds:GrantAccountPrivilege"],
        Resource: `acs:rds:${cloud.region}:${cloud.accountId}:dbinstance/${instanceId}`,
      });
      const asFunction = () =>
        rds({
          credentials: key,
          retry: { attempts: 1 },
        });
      // Act
      const attempt = setup.engine({ rds: asFunction }).rotate({ secretName });
      // Assess
      await expect(attempt).rejects.toThrow(/Forbidden\.NoPermission/);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(true);
      expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
    },
    timeoutMs,
  );
}

/**
 * Database rotations through the RDS OpenAPI: the secret names a
 * DBInstanceId, the local cloud's RDS product manages the accounts on a
 * real MariaDB, and every password is proven by logging in to it.
 */
import { describe, expect, it } from "vitest";
import { RamClient } from "../../../src/clients/ram-client.ts";
import { useLocalRds } from "../../local-cloud-rds/local-rds.ts";
import { rdsAccountName } from "../../local-cloud-rds/local-rds-world.ts";
import { skipUnlessMariaDb } from "../../support/mariadb.ts";
import { createRdsApplicationAccount, rdsRotationSetup } from "./rds-rotation-fixtures.ts";

const TIMEOUT = 90_000;

describe.skipIf(skipUnlessMariaDb())("database rotation over RDS on a real MariaDB", () => {
  const world = useLocalRds();

  it(
    "dual-account: creates the alternate through RDS with the current account's database privileges, then takes turns",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "dual" });
      const secretName = await setup.createSecret(original);
      const engine = setup.engine();
      // Act
      await engine.rotate({ secretName });
      const first = await setup.read(secretName);
      await engine.rotate({ secretName });
      const second = await setup.read(secretName);
      // Assess
      const { canLogin, runAs, rds, instanceId } = world();
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
      const [alternate] = (
        await rds().describeAccounts({ dbInstanceId: instanceId, accountName: first.AccountName })
      ).accounts;
      expect(
        alternate?.databasePrivileges.map((grant) => [grant.dbName, grant.accountPrivilege]),
      ).toEqual([[original.database, "ReadWrite"]]);
      for (const value of [first, second]) {
        expect(value.AccountPassword).toHaveLength(32);
        expect(setup.logLines.join("\n")).not.toContain(value.AccountPassword);
      }
    },
    TIMEOUT,
  );

  it(
    "dual-account: a database privilege the current account gained later is granted to the alternate at the next rotation",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase, runAs } = world();
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "dual" });
      const secretName = await setup.createSecret(original);
      const engine = setup.engine();
      await engine.rotate({ secretName });
      const reports = await createDatabase();
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: `${original.AccountName}_rt`,
        grants: [{ dbName: reports, privilege: "ReadOnly" }],
      });
      // Act
      await engine.rotate({ secretName });
      const current = await setup.read(secretName);
      // Assess
      const [account] = (
        await rds().describeAccounts({ dbInstanceId: instanceId, accountName: current.AccountName })
      ).accounts;
      const privileges = Object.fromEntries(
        (account?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
      );
      expect(current.AccountName).toBe(original.AccountName);
      expect(privileges).toEqual({ [original.database]: "ReadWrite", [reports]: "ReadOnly" });
      await runAs(current.AccountName, current.AccountPassword, reports, "SELECT * FROM items");
    },
    TIMEOUT,
  );

  it(
    "single-user: ResetAccountPassword on the one account; the old password stops working",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "single" });
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
    TIMEOUT,
  );

  it(
    "emergency, dual-account: the leaked account's password changes too, so both accounts end with new passwords",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "dual" });
      const secretName = await setup.createSecret(original);
      const engine = setup.engine();
      await engine.rotate({ secretName });
      const leaked = await setup.read(secretName);
      // Act
      await engine.rotate({ secretName, emergency: true });
      const current = await setup.read(secretName);
      // Assess
      const { canLogin } = world();
      expect(current.AccountName).toBe(original.AccountName);
      expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
      expect(await canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "an unknown DBInstanceId stops the rotation with RDS's error; the secret and the account are unchanged",
    async () => {
      // Prepare
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "single" });
      const secretName = await setup.createSecret({ ...original, DBInstanceId: "rm-unknown1" });
      // Act
      const attempt = setup.engine().rotate({ secretName });
      // Assess
      await expect(attempt).rejects.toThrow(/InvalidDBInstanceId\.NotFound/);
      expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
      expect(await world().canLogin(original.AccountName, original.AccountPassword)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "a function role RAM refuses rds:ResetAccountPassword cannot rotate; the account keeps its password",
    async () => {
      // Prepare
      const { cloud, instanceId, rds, canLogin } = world();
      const setup = rdsRotationSetup(world());
      const original = await createRdsApplicationAccount(world(), { mode: "single" });
      const secretName = await setup.createSecret(original);
      const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const userName = rdsAccountName("fn").replace("_", "-");
      const policyName = `${userName}-policy`;
      await ram.createUser({ userName });
      await ram.createPolicy({
        policyName,
        policyDocument: JSON.stringify({
          Version: "1",
          Statement: [
            {
              Effect: "Allow",
              Action: ["rds:DescribeAccounts", "rds:CreateAccount", "rds:GrantAccountPrivilege"],
              Resource: `acs:rds:${cloud.region}:${cloud.accountId}:dbinstance/${instanceId}`,
            },
          ],
        }),
      });
      await ram.attachPolicyToUser({ policyName, userName });
      const key = await ram.createAccessKey({ userName });
      const asFunction = () =>
        rds({
          credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
          retry: { attempts: 1 },
        });
      // Act
      const attempt = setup.engine(asFunction).rotate({ secretName });
      // Assess
      await expect(attempt).rejects.toThrow(/Forbidden\.NoPermission/);
      expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(true);
      expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
    },
    TIMEOUT,
  );
});

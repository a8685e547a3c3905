/**
 * The RDS account cases every engine behind a local DBInstanceId must pass
 * the same way (MariaDB and PostgreSQL alike): what CreateAccount,
 * DescribeAccounts and ResetAccountPassword do on the real server, and RAM
 * checking each action. Called inside an engine's describe block, next to
 * that engine's own cases (privilege names, name rules, how the server
 * stores passwords).
 */
import { expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { accessKeyAllowedOnly } from "../../support/ram-user-key.ts";
import {
  type LocalRdsWorld,
  newRdsAccount,
  rdsAccountName,
  rdsPassword,
} from "./local-rds-world.ts";

/** Registers the shared cases in the calling describe block. */
export function rdsAccountCases(world: () => LocalRdsWorld, timeoutMs: number): void {
  it(
    "CreateAccount makes a Normal account that logs in; DescribeAccounts shows it with RDS's fields",
    async () => {
      // Prepare
      const { rds, instanceId, canLogin } = world();
      const name = rdsAccountName();
      const password = rdsPassword();
      // Act
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
      });
      const described = await rds().describeAccounts({
        dbInstanceId: instanceId,
        accountName: name,
      });
      // Assess
      expect(await canLogin(name, password)).toBe(true);
      expect(await canLogin(name, rdsPassword())).toBe(false);
      expect(described.accounts).toEqual([
        {
          dbInstanceId: instanceId,
          accountName: name,
          accountStatus: "Available",
          accountType: "Normal",
          databasePrivileges: [],
        },
      ]);
    },
    timeoutMs,
  );

  it(
    "ResetAccountPassword: the new password logs in, the old one no longer does",
    async () => {
      // Prepare
      const { rds, instanceId, canLogin } = world();
      const name = rdsAccountName();
      const [before, after] = [rdsPassword(), rdsPassword()];
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: before,
      });
      // Act
      await rds().resetAccountPassword({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: after,
      });
      // Assess
      expect(await canLogin(name, after)).toBe(true);
      expect(await canLogin(name, before)).toBe(false);
    },
    timeoutMs,
  );

  it(
    "checks RAM: a user allowed only DescribeAccounts cannot reset a password",
    async () => {
      // Prepare
      const { rds, instanceId, cloud, canLogin } = world();
      const { name, password } = await newRdsAccount(world());
      const key = await accessKeyAllowedOnly(cloud, "reader", {
        Action: "rds:DescribeAccounts",
        Resource: `acs:rds:${cloud.region}:${cloud.accountId}:dbinstance/${instanceId}`,
      });
      const asUser = rds({
        credentials: key,
        retry: { attempts: 1 },
      });
      // Act
      const listed = await asUser.describeAccounts({ dbInstanceId: instanceId, accountName: name });
      const denied = await apiFailureOf(
        asUser.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: rdsPassword(),
        }),
      );
      // Assess
      expect(listed.accounts.map((account) => account.accountName)).toEqual([name]);
      expect([denied.code, denied.statusCode]).toEqual(["Forbidden.NoPermission", 403]);
      expect(denied.message).toContain(`rds:ResetAccountPassword`);
      expect(await canLogin(name, password)).toBe(true);
    },
    timeoutMs,
  );
}

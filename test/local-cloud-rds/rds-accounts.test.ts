import { describe, expect, it } from "vitest";
import { RamClient } from "../../src/clients/ram-client.ts";
import { ApiError } from "../../src/errors.ts";
import { skipUnlessMariaDb } from "../support/mariadb.ts";
import { rdsAccountName, rdsPassword, useLocalRds } from "./local-rds.ts";

const TIMEOUT = 60_000;

/** The ApiError a call fails with (the test fails if it succeeds). */
async function failure(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe.skipIf(skipUnlessMariaDb())("local cloud RDS accounts on a real MariaDB", () => {
  const world = useLocalRds();

  it(
    "CreateAccount makes an account that logs in; DescribeAccounts shows it with RDS's fields",
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
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege gives per-database privileges that the server enforces and DescribeAccounts names",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase, runAs } = world();
      const [writable, readable] = [await createDatabase(), await createDatabase()];
      const name = rdsAccountName();
      const password = rdsPassword();
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
      });
      // Act
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [
          { dbName: writable, privilege: "ReadWrite" },
          { dbName: readable, privilege: "ReadOnly" },
        ],
      });
      const [account] = (
        await rds().describeAccounts({ dbInstanceId: instanceId, accountName: name })
      ).accounts;
      // Assess
      const privileges = Object.fromEntries(
        (account?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
      );
      expect(privileges).toEqual({ [writable]: "ReadWrite", [readable]: "ReadOnly" });
      await runAs(name, password, writable, "INSERT INTO items VALUES (1)");
      await runAs(name, password, readable, "SELECT * FROM items");
      await expect(runAs(name, password, readable, "INSERT INTO items VALUES (1)")).rejects.toThrow(
        /denied/i,
      );
    },
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege on a database replaces the privilege held there",
    async () => {
      // Prepare
      const { rds, instanceId, createDatabase } = world();
      const database = await createDatabase();
      const name = rdsAccountName();
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: rdsPassword(),
      });
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [{ dbName: database, privilege: "ReadWrite" }],
      });
      // Act
      await rds().grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: name,
        grants: [{ dbName: database, privilege: "DMLOnly" }],
      });
      // Assess
      const [account] = (
        await rds().describeAccounts({ dbInstanceId: instanceId, accountName: name })
      ).accounts;
      expect(account?.databasePrivileges.map((grant) => grant.accountPrivilege)).toEqual([
        "DMLOnly",
      ]);
    },
    TIMEOUT,
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
    TIMEOUT,
  );

  it(
    "refuses bad requests with RDS's error codes and changes nothing",
    async () => {
      // Prepare
      const { rds, instanceId, canLogin } = world();
      const name = rdsAccountName();
      const password = rdsPassword();
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
      });
      const client = rds({ retry: { attempts: 1 } });
      const weak = "alllowercase1";
      // Act
      const duplicate = await failure(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: rdsPassword(),
        }),
      );
      const badName = await failure(
        client.createAccount({
          dbInstanceId: instanceId,
          accountName: "9starts_with_digit",
          accountPassword: rdsPassword(),
        }),
      );
      const badPassword = await failure(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: name,
          accountPassword: weak,
        }),
      );
      const unknownInstance = await failure(
        client.resetAccountPassword({
          dbInstanceId: "rm-doesnotexist",
          accountName: name,
          accountPassword: rdsPassword(),
        }),
      );
      const unknownAccount = await failure(
        client.resetAccountPassword({
          dbInstanceId: instanceId,
          accountName: rdsAccountName("gone"),
          accountPassword: rdsPassword(),
        }),
      );
      const unknownDatabase = await failure(
        client.grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: name,
          grants: [{ dbName: "no_such_db", privilege: "ReadOnly" }],
        }),
      );
      // Assess
      expect([duplicate.code, duplicate.statusCode]).toEqual(["InvalidAccountName.Duplicate", 400]);
      expect(badName.code).toBe("InvalidAccountName.Malformed");
      expect(badPassword.code).toBe("InvalidAccountPassword.Malformed");
      expect(badPassword.message).toMatch(/three of/);
      expect(badPassword.message).not.toContain(weak);
      expect([unknownInstance.code, unknownInstance.statusCode]).toEqual([
        "InvalidDBInstanceId.NotFound",
        404,
      ]);
      expect(unknownAccount.code).toBe("InvalidAccountName.NotFound");
      expect(unknownDatabase.code).toBe("InvalidDBName.NotFound");
      expect(await canLogin(name, password)).toBe(true);
      expect(await canLogin("9starts_with_digit", password)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "checks RAM: a user allowed only DescribeAccounts cannot reset a password",
    async () => {
      // Prepare
      const { rds, instanceId, cloud, canLogin } = world();
      const name = rdsAccountName();
      const password = rdsPassword();
      await rds().createAccount({
        dbInstanceId: instanceId,
        accountName: name,
        accountPassword: password,
      });
      const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const userName = rdsAccountName("reader");
      const policyName = `${userName.replace("_", "-")}-policy`;
      await ram.createUser({ userName });
      await ram.createPolicy({
        policyName,
        policyDocument: JSON.stringify({
          Version: "1",
          Statement: [
            {
              Effect: "Allow",
              Action: "rds:DescribeAccounts",
              Resource: `acs:rds:${cloud.region}:${cloud.accountId}:dbinstance/${instanceId}`,
            },
          ],
        }),
      });
      await ram.attachPolicyToUser({ policyName, userName });
      const key = await ram.createAccessKey({ userName });
      const asUser = rds({
        credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
        retry: { attempts: 1 },
      });
      // Act
      const listed = await asUser.describeAccounts({ dbInstanceId: instanceId, accountName: name });
      const denied = await failure(
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
    TIMEOUT,
  );
});

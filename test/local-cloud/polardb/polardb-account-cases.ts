/**
 * The PolarDB account cases both editions must pass the same way (MariaDB
 * behind a PolarDB for MySQL cluster, PostgreSQL behind a PolarDB for
 * PostgreSQL one): what CreateAccount, DescribeAccounts,
 * ModifyAccountPassword, ModifyAccountDescription and DeleteAccount do on
 * the real server, the address DescribeDBClusterEndpoints reports, RAM,
 * and bad input refused with PolarDB's codes and nothing changed. Called
 * inside an edition's describe block.
 */
import { expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { accessKeyAllowedOnly } from "../../support/ram-user-key.ts";
import {
  describedAccount,
  type LocalPolarDbWorld,
  newPolarDbAccount,
  polarDbAccountName,
  polarDbPassword,
} from "./local-polardb-world.ts";

export function polarDbAccountCases(world: () => LocalPolarDbWorld, timeoutMs: number): void {
  it(
    "CreateAccount makes a Normal account that logs in; DescribeAccounts shows it with PolarDB's fields",
    async () => {
      // Prepare
      const { polardb, clusterId, canLogin } = world();
      const name = polarDbAccountName();
      const password = polarDbPassword();
      // Act
      await polardb().createAccount({
        dbClusterId: clusterId,
        accountName: name,
        accountPassword: password,
        accountType: "Normal",
        accountDescription: "orders service",
      });
      const described = await polardb().describeAccounts({
        dbClusterId: clusterId,
        accountName: name,
      });
      // Assess
      expect(described.accounts).toEqual([
        {
          accountName: name,
          accountStatus: "Available",
          accountType: "Normal",
          accountDescription: "orders service",
          accountLockState: "UnLock",
          databasePrivileges: [],
        },
      ]);
      expect(await canLogin(name, password)).toBe(true);
      expect(await canLogin(name, polarDbPassword())).toBe(false);
    },
    timeoutMs,
  );

  it(
    "ModifyAccountPassword: the new password logs in, the old one no longer does",
    async () => {
      // Prepare
      const { polardb, clusterId, canLogin } = world();
      const { name, password: before } = await newPolarDbAccount(world());
      const after = polarDbPassword();
      // Act
      await polardb().modifyAccountPassword({
        dbClusterId: clusterId,
        accountName: name,
        newAccountPassword: after,
      });
      // Assess
      expect(await canLogin(name, after)).toBe(true);
      expect(await canLogin(name, before)).toBe(false);
    },
    timeoutMs,
  );

  it(
    "ModifyAccountDescription sets what DescribeAccounts reports",
    async () => {
      // Prepare
      const { polardb, clusterId } = world();
      const { name } = await newPolarDbAccount(world());
      // Act
      await polardb().modifyAccountDescription({
        dbClusterId: clusterId,
        accountName: name,
        accountDescription: "reporting jobs",
      });
      // Assess
      expect((await describedAccount(world(), name))?.accountDescription).toBe("reporting jobs");
    },
    timeoutMs,
  );

  it(
    "DeleteAccount removes the account from the server; a second delete finds nothing",
    async () => {
      // Prepare
      const { polardb, clusterId, canLogin } = world();
      const { name, password } = await newPolarDbAccount(world());
      // Act
      await polardb().deleteAccount({ dbClusterId: clusterId, accountName: name });
      const again = await apiFailureOf(
        polardb({ retry: { attempts: 1 } }).deleteAccount({
          dbClusterId: clusterId,
          accountName: name,
        }),
      );
      // Assess
      expect(await describedAccount(world(), name)).toBeUndefined();
      expect(await canLogin(name, password)).toBe(false);
      expect([again.code, again.statusCode]).toEqual(["InvalidAccountName.NotFound", 404]);
    },
    timeoutMs,
  );

  it(
    "checks RAM: a user allowed only DescribeAccounts on the cluster can list, and change nothing",
    async () => {
      // Prepare
      const { polardb, clusterId, cloud, canLogin } = world();
      const { name, password } = await newPolarDbAccount(world());
      const key = await accessKeyAllowedOnly(cloud, "pc-reader", {
        Action: "polardb:DescribeAccounts",
        Resource: `acs:polardb:${cloud.region}:${cloud.accountId}:dbcluster/${clusterId}`,
      });
      const asUser = polardb({ credentials: key, retry: { attempts: 1 } });
      // Act
      const listed = await asUser.describeAccounts({ dbClusterId: clusterId, accountName: name });
      const denied = await apiFailureOf(
        asUser.modifyAccountPassword({
          dbClusterId: clusterId,
          accountName: name,
          newAccountPassword: polarDbPassword(),
        }),
      );
      const deleteDenied = await apiFailureOf(
        asUser.deleteAccount({ dbClusterId: clusterId, accountName: name }),
      );
      // Assess
      expect(listed.accounts.map((account) => account.accountName)).toEqual([name]);
      expect([denied.code, denied.statusCode]).toEqual(["Forbidden.NoPermission", 403]);
      expect(denied.message).toContain("polardb:ModifyAccountPassword");
      expect(deleteDenied.code).toBe("Forbidden.NoPermission");
      expect(await canLogin(name, password)).toBe(true);
    },
    timeoutMs,
  );

  it(
    "DescribeDBClusterEndpoints lists the address the cluster is reached at, to callers RAM allows on it",
    async () => {
      // Prepare
      const { polardb, clusterId, cluster, cloud } = world();
      const key = await accessKeyAllowedOnly(cloud, "pc-endpoints", {
        Action: "polardb:DescribeDBClusterEndpoints",
        Resource: `acs:polardb:${cloud.region}:${cloud.accountId}:dbcluster/${clusterId}`,
      });
      const asUser = polardb({ credentials: key, retry: { attempts: 1 } });
      // Act
      const { endpoints } = await asUser.describeEndpoints({ dbClusterId: clusterId });
      const otherCluster = await apiFailureOf(
        asUser.describeEndpoints({ dbClusterId: "pc-elsewhere01" }),
      );
      const unknown = await apiFailureOf(
        polardb({ retry: { attempts: 1 } }).describeEndpoints({ dbClusterId: "pc-missing01" }),
      );
      // Assess
      expect(endpoints).toEqual([
        {
          dbEndpointId: expect.stringMatching(/^pe-[a-z0-9]+$/),
          endpointType: "Cluster",
          addresses: [
            {
              connectionString: cluster.host,
              ipAddress: cluster.host,
              port: cluster.port,
              netType: "Private",
            },
          ],
        },
      ]);
      expect(otherCluster.code).toBe("Forbidden.NoPermission");
      expect(unknown.code).toBe("InvalidDBCluster.NotFound");
    },
    timeoutMs,
  );

  it(
    "refuses bad requests with PolarDB's error codes, names no password, and changes nothing",
    async () => {
      // Prepare
      const { polardb, clusterId, canLogin, logLines } = world();
      const { name, password } = await newPolarDbAccount(world());
      const client = polardb({ retry: { attempts: 1 } });
      const weak = "alllowercase1";
      const create = (accountName: string, extra: Record<string, string> = {}) =>
        apiFailureOf(
          client.caller.call("CreateAccount", {
            DBClusterId: clusterId,
            AccountName: accountName,
            AccountPassword: polarDbPassword(),
            AccountType: "Normal",
            ...extra,
          }),
        );
      // Act
      const duplicate = await create(name);
      const badNames = [
        await create("Upper_case"),
        await create("ends_with_"),
        await create("a_name_of_17_chrs"),
        await create("root"),
        await create("x"),
      ];
      const weakPassword = await apiFailureOf(
        client.modifyAccountPassword({
          dbClusterId: clusterId,
          accountName: name,
          newAccountPassword: weak,
        }),
      );
      const badDescription = await create(polarDbAccountName(), {
        AccountDescription: "http://example.test",
      });
      const badType = await create(polarDbAccountName(), { AccountType: "Owner" });
      const malformedCluster = await apiFailureOf(
        client.describeAccounts({ dbClusterId: "rm-notacluster" }),
      );
      const unknownCluster = await apiFailureOf(
        client.modifyAccountPassword({
          dbClusterId: "pc-doesnotexist",
          accountName: name,
          newAccountPassword: polarDbPassword(),
        }),
      );
      const unknownAccount = await apiFailureOf(
        client.modifyAccountPassword({
          dbClusterId: clusterId,
          accountName: polarDbAccountName("gone"),
          newAccountPassword: polarDbPassword(),
        }),
      );
      // Assess
      expect([duplicate.code, duplicate.statusCode]).toEqual(["InvalidAccountName.Duplicate", 400]);
      expect(badNames.map((error) => error.code)).toEqual(
        Array(5).fill("InvalidAccountName.Malformed"),
      );
      expect([weakPassword.code, weakPassword.statusCode]).toEqual([
        "InvalidAccountPassword.Malformed",
        400,
      ]);
      expect(weakPassword.message).toMatch(/three of/);
      expect(weakPassword.message).not.toContain(weak);
      expect(badDescription.code).toBe("InvalidAccountDescription.Malformed");
      expect(badType.code).toBe("InvalidParameter");
      expect([malformedCluster.code, malformedCluster.statusCode]).toEqual([
        "InvalidDBClusterId.Malformed",
        404,
      ]);
      expect([unknownCluster.code, unknownCluster.statusCode]).toEqual([
        "InvalidDBCluster.NotFound",
        404,
      ]);
      expect([unknownAccount.code, unknownAccount.statusCode]).toEqual([
        "InvalidAccountName.NotFound",
        404,
      ]);
      expect(await canLogin(name, password)).toBe(true);
      const { accounts } = await client.describeAccounts({ dbClusterId: clusterId });
      expect(accounts.map((account) => account.accountName)).not.toContain("Upper_case");
      expect(logLines.join("\n")).not.toContain(password);
    },
    timeoutMs,
  );
}

/**
 * The local cloud's ApsaraDB for Redis/Tair account actions (R-kvstore
 * 2015-01-01) on an instance backed by a real redis-server administered by
 * an ACL user: every action's success and error paths through the
 * KvstoreClient, what the server itself enforces for each privilege, RAM,
 * and bad input refused with Tair's codes and nothing changed.
 */
import { describe, expect, it } from "vitest";
import { apiFailureOf } from "../../support/api-failure.ts";
import { accessKeyAllowedOnly } from "../../support/ram-user-key.ts";
import { skipUnlessRedis } from "../../support/redis.ts";
import {
  describedAccount,
  kvstoreAccountName,
  kvstorePassword,
  newKvstoreAccount,
  useLocalKvstore,
} from "./local-kvstore-world.ts";

const TIMEOUT = 30_000;

describe.skipIf(skipUnlessRedis())("local cloud Redis/Tair accounts on a real redis-server", () => {
  const world = useLocalKvstore({ adminUser: "admin" });

  it(
    "CreateAccount makes a read-write account that logs in; DescribeAccounts shows it with Tair's fields",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis, runAs } = world();
      const name = kvstoreAccountName();
      const password = kvstorePassword();
      // Act
      await kvstore().createAccount({
        instanceId,
        accountName: name,
        accountPassword: password,
        accountDescription: "orders-service",
      });
      const described = await kvstore().describeAccounts({ instanceId, accountName: name });
      const all = await kvstore().describeAccounts({ instanceId });
      // Assess
      expect(described.accounts).toEqual([
        {
          instanceId,
          accountName: name,
          accountStatus: "Available",
          accountType: "Normal",
          accountDescription: "orders-service",
          accountPrivilege: "RoleReadWrite",
        },
      ]);
      expect(await redis.canLogin(name, password)).toBe(true);
      expect(await redis.canLogin(name, kvstorePassword())).toBe(false);
      await runAs(name, password, "SET", `${name}:key`, "value");
      expect(await runAs(name, password, "GET", `${name}:key`)).toBe("value");
      await expect(runAs(name, password, "CONFIG", "GET", "maxmemory")).rejects.toThrow(/NOPERM/);
      const listed = all.accounts.map((account) => account.accountName);
      expect(listed).toContain(name);
      expect(listed).not.toContain("admin");
      expect(listed).not.toContain("default");
    },
    TIMEOUT,
  );

  it(
    "a RoleReadOnly account reads but cannot write, nor grant itself more",
    async () => {
      // Prepare
      const { runAs, runAsAdmin } = world();
      await runAsAdmin("SET", "shared:key", "data");
      // Act
      const { name, password } = await newKvstoreAccount(world(), { privilege: "RoleReadOnly" });
      const account = await describedAccount(world(), name);
      // Assess
      expect(account?.accountPrivilege).toBe("RoleReadOnly");
      expect(await runAs(name, password, "GET", "shared:key")).toBe("data");
      expect(await runAs(name, password, "INFO", "server")).toMatch(/redis_version/);
      await expect(runAs(name, password, "SET", "shared:key", "changed")).rejects.toThrow(/NOPERM/);
      await expect(runAs(name, password, "DEL", "shared:key")).rejects.toThrow(/NOPERM/);
      await expect(runAs(name, password, "ACL", "SETUSER", name, "+@all")).rejects.toThrow(
        /NOPERM/,
      );
      expect(await runAsAdmin("GET", "shared:key")).toBe("data");
    },
    TIMEOUT,
  );

  it(
    "GrantAccountPrivilege changes what the server lets the account do at once, and keeps its password",
    async () => {
      // Prepare
      const { kvstore, instanceId, runAs, redis } = world();
      const { name, password } = await newKvstoreAccount(world());
      await runAs(name, password, "SET", `${name}:k`, "1");
      // Act
      await kvstore().grantAccountPrivilege({
        instanceId,
        accountName: name,
        accountPrivilege: "RoleReadOnly",
      });
      const readOnly = await describedAccount(world(), name);
      const writeRefused = runAs(name, password, "SET", `${name}:k`, "2");
      await expect(writeRefused).rejects.toThrow(/NOPERM/);
      await kvstore().grantAccountPrivilege({
        instanceId,
        accountName: name,
        accountPrivilege: "RoleReadWrite",
      });
      const readWrite = await describedAccount(world(), name);
      // Assess
      expect(readOnly?.accountPrivilege).toBe("RoleReadOnly");
      expect(readWrite?.accountPrivilege).toBe("RoleReadWrite");
      await runAs(name, password, "SET", `${name}:k`, "3");
      expect(await runAs(name, password, "GET", `${name}:k`)).toBe("3");
      expect(await redis.canLogin(name, password)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "RoleRepl adds SYNC and PSYNC to read-write, as the server judges them",
    async () => {
      // Prepare
      const { runAsAdmin } = world();
      const replica = await newKvstoreAccount(world(), { privilege: "RoleRepl", prefix: "repl" });
      const writer = await newKvstoreAccount(world(), { privilege: "RoleReadWrite" });
      // Act
      const replicaPsync = await runAsAdmin("ACL", "DRYRUN", replica.name, "PSYNC", "?", "-1");
      const writerPsync = await runAsAdmin("ACL", "DRYRUN", writer.name, "PSYNC", "?", "-1");
      const replicaSet = await runAsAdmin("ACL", "DRYRUN", replica.name, "SET", "k", "v");
      const replicaConfig = await runAsAdmin("ACL", "DRYRUN", replica.name, "CONFIG", "GET", "x");
      // Assess
      expect((await describedAccount(world(), replica.name))?.accountPrivilege).toBe("RoleRepl");
      expect(replicaPsync).toBe("OK");
      expect(replicaSet).toBe("OK");
      expect(String(writerPsync)).toMatch(/no permissions/);
      expect(String(replicaConfig)).toMatch(/no permissions/);
    },
    TIMEOUT,
  );

  it(
    "ResetAccountPassword: the new password logs in, the old one no longer does",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis } = world();
      const { name, password: before } = await newKvstoreAccount(world());
      const after = kvstorePassword();
      // Act
      await kvstore().resetAccountPassword({
        instanceId,
        accountName: name,
        accountPassword: after,
      });
      // Assess
      expect(await redis.canLogin(name, after)).toBe(true);
      expect(await redis.canLogin(name, before)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "ModifyAccountPassword changes the password only when given the current one",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis } = world();
      const { name, password: current } = await newKvstoreAccount(world());
      const [next, guessed] = [kvstorePassword(), kvstorePassword()];
      const client = kvstore({ retry: { attempts: 1 } });
      // Act
      const refused = await apiFailureOf(
        client.modifyAccountPassword({
          instanceId,
          accountName: name,
          oldAccountPassword: guessed,
          newAccountPassword: next,
        }),
      );
      const stillCurrent = await redis.canLogin(name, current);
      await client.modifyAccountPassword({
        instanceId,
        accountName: name,
        oldAccountPassword: current,
        newAccountPassword: next,
      });
      // Assess
      expect([refused.code, refused.statusCode]).toEqual(["InvalidAccountPassword.Mismatch", 400]);
      expect(refused.message).not.toContain(guessed);
      expect(stillCurrent).toBe(true);
      expect(await redis.canLogin(name, next)).toBe(true);
      expect(await redis.canLogin(name, current)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "ModifyAccountDescription sets what DescribeAccounts reports",
    async () => {
      // Prepare
      const { kvstore, instanceId } = world();
      const { name } = await newKvstoreAccount(world());
      // Act
      await kvstore().modifyAccountDescription({
        instanceId,
        accountName: name,
        accountDescription: "cache-writer",
      });
      // Assess
      expect((await describedAccount(world(), name))?.accountDescription).toBe("cache-writer");
    },
    TIMEOUT,
  );

  it(
    "DeleteAccount removes the ACL user and closes its sessions; a second delete finds nothing",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis, runAsAdmin } = world();
      const { name, password } = await newKvstoreAccount(world());
      // Act
      await kvstore().deleteAccount({ instanceId, accountName: name });
      const again = await apiFailureOf(
        kvstore({ retry: { attempts: 1 } }).deleteAccount({ instanceId, accountName: name }),
      );
      // Assess
      expect(await describedAccount(world(), name)).toBeUndefined();
      expect(await runAsAdmin("ACL", "GETUSER", name)).toBeNull();
      expect(await redis.canLogin(name, password)).toBe(false);
      expect([again.code, again.statusCode]).toEqual(["InvalidAccountName.NotFound", 404]);
    },
    TIMEOUT,
  );

  it(
    "DescribeAccounts names rules set by other means Custom, and a user switched off Unavailable",
    async () => {
      // Prepare
      const { runAsAdmin } = world();
      const custom = kvstoreAccountName("hand");
      const off = await newKvstoreAccount(world());
      await runAsAdmin("ACL", "SETUSER", custom, "on", ">Hand-made-1", "~cache:*", "+get");
      await runAsAdmin("ACL", "SETUSER", off.name, "off");
      // Act
      const [customAccount, offAccount] = [
        await describedAccount(world(), custom),
        await describedAccount(world(), off.name),
      ];
      // Assess
      expect(customAccount?.accountPrivilege).toBe("Custom");
      expect([offAccount?.accountStatus, offAccount?.accountPrivilege]).toEqual([
        "Unavailable",
        "RoleReadWrite",
      ]);
    },
    TIMEOUT,
  );

  it(
    "checks RAM: a user allowed only DescribeAccounts on the instance can list, and change nothing",
    async () => {
      // Prepare
      const { kvstore, instanceId, cloud, redis } = world();
      const { name, password } = await newKvstoreAccount(world());
      const key = await accessKeyAllowedOnly(cloud, "kv-reader", {
        Action: "kvstore:DescribeAccounts",
        Resource: `acs:kvstore:${cloud.region}:${cloud.accountId}:instance/${instanceId}`,
      });
      const asUser = kvstore({ credentials: key, retry: { attempts: 1 } });
      // Act
      const listed = await asUser.describeAccounts({ instanceId, accountName: name });
      const denied = await apiFailureOf(
        asUser.resetAccountPassword({
          instanceId,
          accountName: name,
          accountPassword: kvstorePassword(),
        }),
      );
      const elsewhere = await apiFailureOf(
        asUser.describeAccounts({ instanceId: "r-someotherinstance" }),
      );
      // Assess
      expect(listed.accounts.map((account) => account.accountName)).toEqual([name]);
      expect([denied.code, denied.statusCode]).toEqual(["Forbidden.NoPermission", 403]);
      expect(denied.message).toContain("kvstore:ResetAccountPassword");
      expect(elsewhere.code).toBe("Forbidden.NoPermission");
      expect(await redis.canLogin(name, password)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "DescribeDBInstanceNetInfo lists the instance's address (the server's host and port), as RAM allows",
    async () => {
      // Prepare
      const { kvstore, instanceId, cloud, redis } = world();
      const key = await accessKeyAllowedOnly(cloud, "kv-netinfo", {
        Action: "kvstore:DescribeDBInstanceNetInfo",
        Resource: `acs:kvstore:${cloud.region}:${cloud.accountId}:instance/${instanceId}`,
      });
      const asUser = kvstore({ credentials: key, retry: { attempts: 1 } });
      // Act
      const described = await asUser.describeNetInfo({ instanceId });
      const unknown = await apiFailureOf(
        kvstore({ retry: { attempts: 1 } }).describeNetInfo({ instanceId: "r-doesnotexist" }),
      );
      const denied = await apiFailureOf(asUser.describeAccounts({ instanceId }));
      // Assess
      expect(described.addresses).toEqual([
        {
          connectionString: redis.host,
          ipAddress: redis.host,
          port: redis.port,
          netType: "2",
        },
      ]);
      expect(described.networkType).toBe("VPC");
      expect(unknown.code).toBe("InvalidInstanceId.NotFound");
      expect(denied.code).toBe("Forbidden.NoPermission");
    },
    TIMEOUT,
  );

  it(
    "refuses bad requests with Tair's error codes, names no password, and changes nothing",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis, runAsAdmin, logLines } = world();
      const { name, password } = await newKvstoreAccount(world(), { privilege: "RoleReadOnly" });
      const client = kvstore({ retry: { attempts: 1 } });
      const weak = "alllowercase1";
      const create = (accountName: string, extra: Record<string, string> = {}) =>
        apiFailureOf(
          client.caller.call("CreateAccount", {
            InstanceId: instanceId,
            AccountName: accountName,
            AccountPassword: kvstorePassword(),
            ...extra,
          }),
        );
      // Act
      const duplicate = await create(name);
      const badNames = [
        await create("Upper_case"),
        await create("9starts_with_digit"),
        await create("a_name_of_17_chars"),
        await create("default"),
        await create("admin"),
      ];
      const weakPassword = await apiFailureOf(
        client.resetAccountPassword({ instanceId, accountName: name, accountPassword: weak }),
      );
      const badPrivilege = await create(kvstoreAccountName(), { AccountPrivilege: "RoleAdmin" });
      const badDescription = await create(kvstoreAccountName(), {
        AccountDescription: "https://example.test",
      });
      const unknownInstance = await apiFailureOf(
        client.resetAccountPassword({
          instanceId: "r-doesnotexist",
          accountName: name,
          accountPassword: kvstorePassword(),
        }),
      );
      const unknownAccount = await apiFailureOf(
        client.grantAccountPrivilege({
          instanceId,
          accountName: kvstoreAccountName("gone"),
          accountPrivilege: "RoleReadWrite",
        }),
      );
      const adminAccount = await apiFailureOf(
        client.resetAccountPassword({
          instanceId,
          accountName: "admin",
          accountPassword: kvstorePassword(),
        }),
      );
      // Assess
      expect([duplicate.code, duplicate.statusCode]).toEqual(["InvalidAccountName.Duplicate", 400]);
      expect(badNames.map((error) => error.code)).toEqual(
        Array(5).fill("InvalidAccountName.Format"),
      );
      expect([weakPassword.code, weakPassword.statusCode]).toEqual([
        "InvalidAccountPassword.Format",
        400,
      ]);
      expect(weakPassword.message).toMatch(/three of/);
      expect(weakPassword.message).not.toContain(weak);
      expect(badPrivilege.code).toBe("InvalidAccountPrivilege.Format");
      expect(badDescription.code).toBe("InvalidAccountDescription.Format");
      expect([unknownInstance.code, unknownInstance.statusCode]).toEqual([
        "InvalidInstanceId.NotFound",
        404,
      ]);
      expect([unknownAccount.code, unknownAccount.statusCode]).toEqual([
        "InvalidAccountName.NotFound",
        404,
      ]);
      expect(adminAccount.code).toBe("InvalidAccountName.Format");
      expect((await describedAccount(world(), name))?.accountPrivilege).toBe("RoleReadOnly");
      expect(await redis.canLogin(name, password)).toBe(true);
      expect(await redis.canLogin("admin", redis.adminPassword)).toBe(true);
      const users = (await runAsAdmin("ACL", "USERS")) as string[];
      expect(users.filter((user) => /^(Upper_case|9starts|a_name_of_17)/.test(user))).toEqual([]);
      expect(logLines.join("\n")).not.toContain(password);
    },
    TIMEOUT,
  );
});

describe.skipIf(skipUnlessRedis())("local cloud Redis/Tair accounts over TLS", () => {
  const world = useLocalKvstore({ tls: true });

  it(
    "manages the accounts of a TLS-only server administered by its default user",
    async () => {
      // Prepare
      const { kvstore, instanceId, redis, runAs } = world();
      const name = kvstoreAccountName("tls");
      const password = kvstorePassword();
      // Act
      await kvstore().createAccount({ instanceId, accountName: name, accountPassword: password });
      const { accounts } = await kvstore().describeAccounts({ instanceId });
      // Assess
      expect(redis.tls).toBeDefined();
      expect(accounts.map((account) => account.accountName)).toEqual([name]);
      expect(await redis.canLogin(name, password)).toBe(true);
      expect(await runAs(name, password, "PING")).toBe("PONG");
    },
    TIMEOUT,
  );
});

/**
 * The local Redis/Tair product as the official SDKs see it (the request
 * parameters of r-kvstore20150101's models, signed V1 and V3, and the answer
 * shapes they parse), and what survives a restart of the local cloud: the
 * accounts live on the server, their descriptions in the state folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KvstoreClient } from "../../../src/cloud-api/kvstore-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import { officialRpcCall } from "../../support/official-rpc-call.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../support/redis.ts";
import { kvstoreAccountName, kvstorePassword, redisBacking } from "./local-kvstore-world.ts";

const VERSION = "2015-01-01";

describe.skipIf(skipUnlessRedis())("the local Redis/Tair product's wire and state", () => {
  let redis: RunningRedis;
  let stateDir: string;
  const instanceId = "r-wire01";

  beforeAll(async () => {
    redis = await startRedis();
    stateDir = await mkdtemp(join(tmpdir(), "rotor-kvstore-state-"));
  });
  afterAll(async () => {
    await redis?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const startCloud = () =>
    startLocalCloud({ stateDir, redisInstances: { [instanceId]: redisBacking(redis) } });

  it("answers the official SDK's requests, V1 and V3, in the shapes its models read", async () => {
    // Prepare
    const cloud = await startCloud();
    try {
      const name = kvstoreAccountName("wire");
      // Act
      const created = await officialRpcCall(cloud, {
        version: VERSION,
        action: "CreateAccount",
        signature: "v1",
        params: {
          InstanceId: instanceId,
          AccountName: name,
          AccountPassword: kvstorePassword(),
          AccountPrivilege: "RoleReadOnly",
          AccountType: "Normal",
          AccountDescription: "wire-test",
        },
      });
      const described = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeAccounts",
        params: { InstanceId: instanceId, AccountName: name },
      });
      const refused = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeAccounts",
        params: { InstanceId: "r-missing" },
      });
      const netInfo = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeDBInstanceNetInfo",
        signature: "v1",
        params: { InstanceId: instanceId },
      });
      // Assess
      expect(created).toEqual({
        ok: true,
        body: { RequestId: expect.any(String), InstanceId: instanceId, AcountName: name },
      });
      expect(described).toEqual({
        ok: true,
        body: {
          RequestId: expect.any(String),
          Accounts: {
            Account: [
              {
                InstanceId: instanceId,
                AccountName: name,
                AccountStatus: "Available",
                AccountType: "Normal",
                AccountDescription: "wire-test",
                DatabasePrivileges: { DatabasePrivilege: [{ AccountPrivilege: "RoleReadOnly" }] },
              },
            ],
          },
          PageNumber: 1,
          PageSize: 30,
          TotalCount: 1,
        },
      });
      expect(refused).toMatchObject({
        ok: false,
        statusCode: 404,
        code: "InvalidInstanceId.NotFound",
      });
      expect(netInfo).toEqual({
        ok: true,
        body: {
          RequestId: expect.any(String),
          InstanceNetworkType: "VPC",
          NetInfoItems: {
            InstanceNetInfo: [
              {
                ConnectionString: redis.host,
                IPAddress: redis.host,
                Port: String(redis.port),
                DBInstanceNetType: "2",
                IPType: "Private",
                VPCId: "",
                VSwitchId: "",
                VPCInstanceId: instanceId,
                Upgradeable: "0",
                ExpiredTime: "",
              },
            ],
          },
        },
      });
    } finally {
      await cloud.close();
    }
  });

  it("keeps accounts and their descriptions across a restart with the same state folder", async () => {
    // Prepare
    const first = await startCloud();
    const name = kvstoreAccountName("kept");
    const password = kvstorePassword();
    const clientOf = (cloud: Awaited<ReturnType<typeof startCloud>>) =>
      new KvstoreClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    try {
      await clientOf(first).createAccount({
        instanceId,
        accountName: name,
        accountPassword: password,
        accountPrivilege: "RoleRepl",
        accountDescription: "before-restart",
      });
    } finally {
      await first.close();
    }
    // Act
    const second = await startCloud();
    try {
      const { accounts } = await clientOf(second).describeAccounts({
        instanceId,
        accountName: name,
      });
      // Assess
      expect(
        accounts.map((account) => [account.accountPrivilege, account.accountDescription]),
      ).toEqual([["RoleRepl", "before-restart"]]);
      expect(await redis.canLogin(name, password)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

/**
 * The local PolarDB product as the official SDKs see it (the request
 * parameters of polardb20170801's models, signed V1 and V3, and the answer
 * shapes they parse: plain lists, no wrapping), and what survives a restart
 * of the local cloud: the accounts live on the server, their descriptions in
 * the state folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolarDbClient } from "../../../src/cloud-api/polardb-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { LocalPolarDbCluster } from "../../../src/local-cloud/polardb/local-polardb-cluster.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../support/mariadb.ts";
import { officialRpcCall } from "../../support/official-rpc-call.ts";
import { mariaDbBacking, type RdsBackingServer } from "../rds/rds-backing-servers.ts";
import { polarDbAccountName, polarDbPassword } from "./local-polardb-world.ts";

const VERSION = "2017-08-01";

describe.skipIf(skipUnlessMariaDb())("the local PolarDB product's wire and state", () => {
  let mariaDb: RunningMariaDb;
  let backing: RdsBackingServer;
  let stateDir: string;
  const clusterId = "pc-wire01";

  beforeAll(async () => {
    mariaDb = await startMariaDb();
    backing = mariaDbBacking(mariaDb);
    stateDir = await mkdtemp(join(tmpdir(), "rotor-polardb-state-"));
  }, 120_000);
  afterAll(async () => {
    await mariaDb?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const startCloud = () => {
    const cluster: LocalPolarDbCluster = { ...backing.instance, engine: "MySQL" };
    return startLocalCloud({ stateDir, polardbClusters: { [clusterId]: cluster } });
  };

  it("answers the official SDK's requests, V1 and V3, in the shapes its models read", async () => {
    // Prepare
    const cloud = await startCloud();
    try {
      const database = await backing.createDatabase();
      const name = polarDbAccountName("wire");
      // Act
      const created = await officialRpcCall(cloud, {
        version: VERSION,
        action: "CreateAccount",
        signature: "v1",
        params: {
          DBClusterId: clusterId,
          AccountName: name,
          AccountPassword: polarDbPassword(),
          AccountType: "Normal",
          AccountDescription: "wire test",
          DBName: database,
          AccountPrivilege: "DMLOnly",
        },
      });
      const described = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeAccounts",
        params: { DBClusterId: clusterId, AccountName: name },
      });
      const refused = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeAccounts",
        params: { DBClusterId: "pc-missing" },
      });
      // Assess
      expect(created).toEqual({ ok: true, body: { RequestId: expect.any(String) } });
      expect(described).toEqual({
        ok: true,
        body: {
          RequestId: expect.any(String),
          Accounts: [
            {
              AccountName: name,
              AccountStatus: "Available",
              AccountDescription: "wire test",
              AccountType: "Normal",
              AccountLockState: "UnLock",
              DatabasePrivileges: [{ DBName: database, AccountPrivilege: "DMLOnly" }],
            },
          ],
          PageNumber: 1,
          PageRecordCount: 1,
        },
      });
      expect(refused).toMatchObject({
        ok: false,
        statusCode: 404,
        code: "InvalidDBCluster.NotFound",
      });
    } finally {
      await cloud.close();
    }
  });

  it("answers DescribeDBClusterEndpoints in the shape the official SDK's model reads", async () => {
    // Prepare
    const cloud = await startCloud();
    try {
      // Act
      const described = await officialRpcCall(cloud, {
        version: VERSION,
        action: "DescribeDBClusterEndpoints",
        params: { DBClusterId: clusterId },
      });
      // Assess: plain lists, the port as a string
      expect(described).toEqual({
        ok: true,
        body: {
          RequestId: expect.any(String),
          Items: [
            {
              DBClusterId: clusterId,
              DBEndpointId: expect.stringMatching(/^pe-/),
              EndpointType: "Cluster",
              ReadWriteMode: "ReadWrite",
              AutoAddNewNodes: "Enable",
              Nodes: expect.any(String),
              AddressItems: [
                {
                  ConnectionString: backing.instance.host,
                  IPAddress: backing.instance.host,
                  NetType: "Private",
                  Port: String(backing.instance.port),
                  VPCId: expect.stringMatching(/^vpc-/),
                  VSwitchId: expect.stringMatching(/^vsw-/),
                },
              ],
            },
          ],
        },
      });
    } finally {
      await cloud.close();
    }
  });

  it("keeps accounts and their descriptions across a restart with the same state folder", async () => {
    // Prepare
    const first = await startCloud();
    const name = polarDbAccountName("kept");
    const password = polarDbPassword();
    const clientOf = (cloud: Awaited<ReturnType<typeof startCloud>>) =>
      new PolarDbClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    try {
      await clientOf(first).createAccount({
        dbClusterId: clusterId,
        accountName: name,
        accountPassword: password,
        accountDescription: "before restart",
      });
    } finally {
      await first.close();
    }
    // Act
    const second = await startCloud();
    try {
      const { accounts } = await clientOf(second).describeAccounts({
        dbClusterId: clusterId,
        accountName: name,
      });
      // Assess
      expect(accounts.map((account) => account.accountDescription)).toEqual(["before restart"]);
      expect(await backing.canLogin(name, password)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

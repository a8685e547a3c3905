/**
 * Attack: a secret's writer names another team's PolarDB cluster and its
 * accounts. A RAM user allowed only kms:GetSecretValue and
 * kms:PutSecretValue on its team's secrets writes into its own secret the
 * `DBClusterId` of team B's cluster, `accounts` pairing its own account
 * with team B's privileged account, and `host` a MySQL server it runs
 * (which accepts any login, so a "current password" check made there
 * proves nothing). A rotation that believed it would change the privileged
 * account's password through the PolarDB API and store the new one in the
 * writer's pending version. The rotation function (as its template's role,
 * then as root) must change nothing, and the rogue server must see no
 * connection; a cluster the deployment does not list is refused before
 * any call, and so is one the writer names where the deployment lists RDS
 * instances only.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { mariaDbBacking, type RdsBackingServer } from "../local-cloud/rds/rds-backing-servers.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import {
  attackerWith,
  type DeploySettings,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";
import { startRogueMysql } from "./support/rogue-mysql.ts";
import type { RogueServer } from "./support/rogue-record.ts";

const ENTRY = "rotate-mysql";

describe.skipIf(skipUnlessMariaDb())(
  "a secret's writer names another team's PolarDB cluster",
  () => {
    let servers: RunningMariaDb[] = [];
    let teamAServer: RdsBackingServer;
    let teamBServer: RdsBackingServer;
    let cloud: TestCloud;
    let polardb: PolarDbClient;
    let rogue: RogueServer;
    const teamACluster = `pc-teama${randomPart()}`;
    const teamBCluster = `pc-teamb${randomPart()}`;

    beforeAll(async () => {
      servers = await Promise.all([startMariaDb(), startMariaDb()]);
      teamAServer = mariaDbBacking(servers[0] as RunningMariaDb);
      teamBServer = mariaDbBacking(servers[1] as RunningMariaDb);
      [cloud, rogue] = await Promise.all([
        startTestCloud({
          inMemory: true,
          polardbClusters: {
            [teamACluster]: { ...teamAServer.instance, engine: "MySQL" },
            [teamBCluster]: { ...teamBServer.instance, engine: "MySQL" },
          },
        }),
        startRogueMysql(),
      ]);
      polardb = new PolarDbClient({
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        region: cloud.region,
      });
    }, 180_000);
    afterAll(async () => {
      await Promise.all([
        cloud?.close(),
        rogue?.close(),
        ...servers.map((server) => server.stop()),
      ]);
    });

    /** An account made the PolarDB way on a cluster; its name and password. */
    async function polarDbAccount(clusterId: string, type: "Normal" | "Super") {
      const account = {
        name: `acct_${randomBytes(4).toString("hex")}`,
        password: `Pc-${randomBytes(10).toString("hex")}A`,
      };
      await polardb.createAccount({
        dbClusterId: clusterId,
        accountName: account.name,
        accountPassword: account.password,
        accountType: type,
      });
      return account;
    }

    /** Team A's secret of its own account on its own cluster, and a user who may only read and write it. */
    async function teamA() {
      const own = await polarDbAccount(teamACluster, "Normal");
      const { rotated } = await templatePrefixes(ENTRY);
      const secretName = `${rotated}team-a/polardb-${randomPart()}`;
      const value = {
        AccountName: own.name,
        AccountPassword: own.password,
        engine: "mysql",
        host: teamAServer.instance.host,
        port: teamAServer.instance.port,
        DBClusterId: teamACluster,
        mode: "dual",
      };
      await cloud.kms.createSecret({
        secretName,
        versionId: "v0",
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: "mysql" }],
      });
      const attacker = await attackerWith(cloud, {
        Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
        Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
      });
      return { own, value, secretName, attacker };
    }

    let privilegedPassword = "";

    /** Team A's secret rewritten by its writer to pair its account with team B's privileged one. */
    async function attack(
      settings: DeploySettings,
      identity: (typeof FUNCTION_IDENTITIES)[number],
    ) {
      // One privileged account per PolarDB for MySQL cluster: made once, by the first attack.
      const { accounts } = await polardb.describeAccounts({ dbClusterId: teamBCluster });
      const existing = accounts.find((account) => account.accountType === "Super");
      const privileged = existing
        ? { name: existing.accountName, password: privilegedPassword }
        : await polarDbAccount(teamBCluster, "Super");
      privilegedPassword = privileged.password;
      const { own, value, secretName, attacker } = await teamA();
      const functionName = await deployAs(cloud, { entry: ENTRY, identity, settings });
      await attacker.kms.putSecretValue({
        secretName,
        versionId: `attack-${randomPart()}`,
        secretData: JSON.stringify({
          ...value,
          host: rogue.host,
          port: rogue.port,
          DBClusterId: teamBCluster,
          accounts: [own.name, privileged.name],
        }),
      });
      const seenBefore = rogue.events().length;
      const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });
      return { outcome, privileged, rogueSaw: rogue.events().slice(seenBefore) };
    }
    for (const identity of FUNCTION_IDENTITIES) {
      describe(`the function as ${identity}`, () => {
        it("changes no password of team B's privileged account, and logs in nowhere the writer names", async () => {
          // Act
          const { outcome, privileged, rogueSaw } = await attack(
            { ROTOR_POLARDB_CLUSTERS: `${teamACluster},${teamBCluster}` },
            identity,
          );

          // Assess: root learns the cluster's own addresses and refuses the writer's host;
          // the template's role, rendered for no cluster, may not even ask.
          expect(outcome).toMatchObject(
            identity === "root"
              ? { ok: false, errorType: "TargetMismatchError" }
              : { ok: false, errorMessage: expect.stringMatching(/Forbidden\.NoPermission/) },
          );
          expect(rogueSaw).toEqual([]);
          expect(await teamBServer.canLogin(privileged.name, privileged.password)).toBe(true);
        });

        it("calls nothing on a cluster the deployment does not list", async () => {
          // Act
          const { outcome, privileged, rogueSaw } = await attack(
            { ROTOR_POLARDB_CLUSTERS: teamACluster },
            identity,
          );

          // Assess
          expect(outcome).toMatchObject({
            ok: false,
            errorType: "PolicyError",
            errorMessage: expect.stringContaining("ROTOR_POLARDB_CLUSTERS"),
          });
          expect(rogueSaw).toEqual([]);
          expect(await teamBServer.canLogin(privileged.name, privileged.password)).toBe(true);
        });

        it("calls nothing on a cluster where the deployment lists every RDS instance but no PolarDB cluster", async () => {
          // Act
          const { outcome, privileged, rogueSaw } = await attack(
            { ROTOR_RDS_INSTANCES: "*" },
            identity,
          );

          // Assess
          expect(outcome).toMatchObject({ ok: false, errorType: "PolicyError" });
          expect(rogueSaw).toEqual([]);
          expect(await teamBServer.canLogin(privileged.name, privileged.password)).toBe(true);
        });
      });
    }
  },
);

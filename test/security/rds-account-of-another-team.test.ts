/**
 * Attack: a secret's writer names another team's RDS instance and its Super
 * account. A RAM user allowed only kms:GetSecretValue and kms:PutSecretValue
 * on its team's secrets writes into its own secret `DBInstanceId` of team
 * B's instance, `accounts` pairing its own account with team B's Super
 * account, and `host` a MySQL server it runs (which accepts any login, so a
 * "current password" check made there proves nothing). A rotation that
 * believed it would reset the Super account's password through the RDS API
 * and store the new one in the writer's pending version. The rotation
 * function (as its template's role, then as root) must change nothing, and
 * the rogue server must see no connection. An instance the deployment does
 * not list is refused before any call.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RdsClient } from "../../src/cloud-api/rds-client.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { mariaDbBacking, type RdsBackingServer } from "../local-cloud/rds/rds-backing-servers.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";
import { startRogueMysql } from "./support/rogue-mysql.ts";
import type { RogueServer } from "./support/rogue-record.ts";

const ENTRY = "rotate-mysql";

describe.skipIf(skipUnlessMariaDb())("a secret's writer names another team's RDS instance", () => {
  let servers: RunningMariaDb[] = [];
  let teamAServer: RdsBackingServer;
  let teamBServer: RdsBackingServer;
  let cloud: TestCloud;
  let rds: RdsClient;
  let rogue: RogueServer;
  const teamAInstance = `rm-teama${randomPart()}`;
  const teamBInstance = `rm-teamb${randomPart()}`;

  beforeAll(async () => {
    servers = await Promise.all([startMariaDb(), startMariaDb()]);
    teamAServer = mariaDbBacking(servers[0] as RunningMariaDb);
    teamBServer = mariaDbBacking(servers[1] as RunningMariaDb);
    [cloud, rogue] = await Promise.all([
      startTestCloud({
        inMemory: true,
        rdsInstances: {
          [teamAInstance]: teamAServer.instance,
          [teamBInstance]: teamBServer.instance,
        },
      }),
      startRogueMysql(),
    ]);
    rds = new RdsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
    });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([cloud?.close(), rogue?.close(), ...servers.map((server) => server.stop())]);
  });

  /** An account made the RDS way on an instance; its name and password. */
  async function rdsAccount(instanceId: string, type: "Normal" | "Super") {
    const account = {
      name: `acct_${randomBytes(4).toString("hex")}`,
      password: `Rds-${randomBytes(10).toString("hex")}A`,
    };
    await rds.createAccount({
      dbInstanceId: instanceId,
      accountName: account.name,
      accountPassword: account.password,
      accountType: type,
    });
    return account;
  }

  /** Team A's secret of its own account on its own instance, and a user who may only read and write it. */
  async function teamA() {
    const own = await rdsAccount(teamAInstance, "Normal");
    const { rotated } = await templatePrefixes(ENTRY);
    const secretName = `${rotated}team-a/rds-${randomPart()}`;
    const value = {
      AccountName: own.name,
      AccountPassword: own.password,
      engine: "mysql",
      host: teamAServer.instance.host,
      port: teamAServer.instance.port,
      DBInstanceId: teamAInstance,
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

  for (const identity of FUNCTION_IDENTITIES) {
    describe(`the function as ${identity}`, () => {
      it("resets no password of team B's Super account, and logs in nowhere the writer names", async () => {
        // Prepare
        const superAccount = await rdsAccount(teamBInstance, "Super");
        const { own, value, secretName, attacker } = await teamA();
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: { ROTOR_RDS_INSTANCES: `${teamAInstance},${teamBInstance}` },
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            ...value,
            host: rogue.host,
            port: rogue.port,
            DBInstanceId: teamBInstance,
            accounts: [own.name, superAccount.name],
          }),
        });

        // Act
        const seenBefore = rogue.events().length;
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await teamBServer.canLogin(superAccount.name, superAccount.password)).toBe(true);
      });

      it("calls nothing on an instance the deployment does not list", async () => {
        // Prepare
        const superAccount = await rdsAccount(teamBInstance, "Super");
        const { own, value, secretName, attacker } = await teamA();
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: { ROTOR_RDS_INSTANCES: teamAInstance },
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            ...value,
            host: rogue.host,
            port: rogue.port,
            DBInstanceId: teamBInstance,
            accounts: [own.name, superAccount.name],
          }),
        });

        // Act
        const seenBefore = rogue.events().length;
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome).toMatchObject({ ok: false, errorType: "PolicyError" });
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await teamBServer.canLogin(superAccount.name, superAccount.password)).toBe(true);
      });
    });
  }
});

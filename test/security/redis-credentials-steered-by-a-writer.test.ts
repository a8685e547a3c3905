/**
 * Attack: a secret's writer steers Redis credentials. A RAM user allowed
 * only kms:GetSecretValue and kms:PutSecretValue on its team's secrets
 * (`rotor/redis/team-a/*`) writes into its own secret:
 *
 * - a Redis server it runs (which takes any AUTH and records it) and team
 *   B's master secret, so a rotation would log in there as team B's
 *   administrator;
 * - team B's administrator as the other user of its own pair on the shared
 *   server, so a rotation would give that user a password the writer reads;
 * - team B's ApsaraDB for Redis/Tair instance, team B's account as its
 *   pair's other user, and its own server as the host (where a "current
 *   password" check proves nothing);
 * - an instance the deployment does not list.
 *
 * The rotation function (as the role its template grants, then as root)
 * must send team B's credentials nowhere and change nothing: the rogue
 * server records no connection, and team B's passwords and rules still
 * work as before.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KvstoreClient } from "../../src/cloud-api/kvstore-client.ts";
import {
  aclOf,
  asRedisAdmin,
  createApplicationUser,
  initialPassword,
} from "../core/rotators/redis/redis-fixtures.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { kvstorePassword, redisBacking } from "../local-cloud/kvstore/local-kvstore-world.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";
import type { RogueServer } from "./support/rogue-record.ts";
import { startRogueRedis } from "./support/rogue-redis.ts";

const ENTRY = "rotate-redis";

describe.skipIf(skipUnlessRedis())("a secret's writer steers Redis credentials", () => {
  let cloud: TestCloud;
  let shared: RunningRedis;
  let teamBServer: RunningRedis;
  let rogue: RogueServer;
  let kvstore: KvstoreClient;
  const teamAInstance = `r-teama${randomPart()}`;
  const teamBInstance = `r-teamb${randomPart()}`;

  beforeAll(async () => {
    [shared, teamBServer, rogue] = await Promise.all([
      startRedis({ adminUser: "admin" }),
      startRedis({ adminUser: "admin" }),
      startRogueRedis(),
    ]);
    cloud = await startTestCloud({
      inMemory: true,
      redisInstances: {
        [teamAInstance]: redisBacking(shared),
        [teamBInstance]: redisBacking(teamBServer),
      },
    });
    kvstore = new KvstoreClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([cloud?.close(), rogue?.close(), shared?.stop(), teamBServer?.stop()]);
  });

  /** The attacker's team: a secret under its prefix, and a user who may only read and write it. */
  async function teamA(initial: object) {
    const { rotated } = await templatePrefixes(ENTRY);
    const secretName = `${rotated}team-a/redis-${randomPart()}`;
    await cloud.kms.createSecret({
      secretName,
      versionId: "v0",
      secretData: JSON.stringify(initial),
      tags: [{ key: "rotor:rotator", value: "redis" }],
    });
    const attacker = await attackerWith(cloud, {
      Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
      Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
    });
    return { secretName, attacker };
  }

  /** Team B's administrator on the shared server, and its master secret, which carries the server. */
  async function teamBMaster() {
    const name = `admin_b_${randomPart()}`;
    const password = initialPassword();
    await asRedisAdmin(shared, "ACL", "SETUSER", name, "on", `>${password}`, "~*", "&*", "+@all");
    const { privileged } = await templatePrefixes(ENTRY);
    const masterSecret = `${privileged}team-b/redis-${randomPart()}`;
    await cloud.kms.createSecret({
      secretName: masterSecret,
      versionId: "v0",
      secretData: JSON.stringify({
        AccountName: name,
        AccountPassword: password,
        engine: "redis",
        host: shared.host,
        port: shared.port,
      }),
    });
    return { name, password, masterSecret };
  }

  /** A function serving both teams: every master secret under its template's prefix, both instances. */
  async function sharedDeployment() {
    const { privileged } = await templatePrefixes(ENTRY);
    return {
      ROTOR_MASTER_SECRET_PREFIXES: privileged ?? "",
      ROTOR_REDIS_INSTANCES: `${teamAInstance},${teamBInstance}`,
    };
  }

  /** An account made the ApsaraDB way on an instance. */
  async function kvstoreAccount(instanceId: string) {
    const account = { name: `acct_${randomBytes(4).toString("hex")}`, password: kvstorePassword() };
    await kvstore.createAccount({
      instanceId,
      accountName: account.name,
      accountPassword: account.password,
    });
    return account;
  }

  for (const identity of FUNCTION_IDENTITIES) {
    describe(`the function as ${identity}`, () => {
      it("sends the other team's master password to no server the writer names", async () => {
        // Prepare
        const victim = await teamBMaster();
        const own = await createApplicationUser(shared, { prefix: "team_a" });
        const { secretName, attacker } = await teamA(own);
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: await sharedDeployment(),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            AccountName: "app",
            AccountPassword: `Guess-${randomPart()}`,
            engine: "redis",
            host: rogue.host,
            port: rogue.port,
            masterSecret: victim.masterSecret,
            mode: "dual",
          }),
        });

        // Act
        const seenBefore = rogue.events().length;
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await shared.canLogin(victim.name, victim.password)).toBe(true);
      });

      it("gives no password of a user on the other team's server that the writer does not hold", async () => {
        // Prepare: the writer holds one user on the shared server and pairs it
        // with team B's administrator.
        const victim = await teamBMaster();
        const own = await createApplicationUser(shared, { prefix: "team_a" });
        const { secretName, attacker } = await teamA(own);
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: await sharedDeployment(),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            ...own,
            masterSecret: victim.masterSecret,
            accounts: [own.AccountName, victim.name],
          }),
        });
        const victimBefore = await aclOf(shared, victim.name);

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(await shared.canLogin(victim.name, victim.password)).toBe(true);
        expect(await aclOf(shared, victim.name)).toEqual(victimBefore);
        expect(await shared.canLogin(own.AccountName, own.AccountPassword)).toBe(true);
      });

      it("resets no password of team B's ApsaraDB account, and logs in nowhere the writer names", async () => {
        // Prepare
        const victim = await kvstoreAccount(teamBInstance);
        const own = await kvstoreAccount(teamAInstance);
        const value = {
          AccountName: own.name,
          AccountPassword: own.password,
          engine: "redis",
          host: shared.host,
          port: shared.port,
          InstanceId: teamAInstance,
        };
        const { secretName, attacker } = await teamA(value);
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: await sharedDeployment(),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            ...value,
            host: rogue.host,
            port: rogue.port,
            InstanceId: teamBInstance,
            accounts: [own.name, victim.name],
          }),
        });

        // Act
        const seenBefore = rogue.events().length;
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await teamBServer.canLogin(victim.name, victim.password)).toBe(true);
      });

      it("calls nothing on an instance the deployment does not list", async () => {
        // Prepare
        const victim = await kvstoreAccount(teamBInstance);
        const own = await kvstoreAccount(teamAInstance);
        const value = {
          AccountName: own.name,
          AccountPassword: own.password,
          engine: "redis",
          host: teamBServer.host,
          port: teamBServer.port,
          InstanceId: teamBInstance,
          accounts: [own.name, victim.name],
        };
        const { secretName } = await teamA(value);
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: { ...(await sharedDeployment()), ROTOR_REDIS_INSTANCES: teamAInstance },
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome).toMatchObject({
          ok: false,
          errorMessage: expect.stringContaining("ROTOR_REDIS_INSTANCES"),
        });
        expect(await teamBServer.canLogin(victim.name, victim.password)).toBe(true);
      });
    });
  }
});

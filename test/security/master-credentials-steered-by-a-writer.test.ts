/**
 * Attack: a secret's writer steers master credentials. A RAM user allowed
 * only kms:GetSecretValue and kms:PutSecretValue on its team's secrets
 * (`<rotated prefix>team-a/*`) writes into its own secret a server it runs
 * and another team's master or privileged secret, or the other team's real
 * server with an account it does not own. The rotation function (as the
 * role its template grants, then as root) must send the other team's
 * credentials nowhere and change nothing: the rogue servers record no
 * connection, and the victims' passwords and keys still work.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import {
  asAdmin,
  canLogin,
  createApplicationAccount,
  type TestServer,
} from "../core/rotators/database/database-fixtures.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { type SshdServer, sshdSkipReason, startSshd, type TestUser } from "../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../support/sshd-login-check.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";
import { startRogueMysql } from "./support/rogue-mysql.ts";
import { startRoguePostgres } from "./support/rogue-postgres.ts";
import type { RogueServer } from "./support/rogue-record.ts";
import { type RogueSshServer, startRogueSsh } from "./support/rogue-ssh.ts";

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startTestCloud({ inMemory: true });
});
afterAll(async () => {
  await cloud?.close();
});

/** The attacker's team: a secret under its prefix, and a user who may only read and write it. */
async function teamA(entry: string, kind: string, initial: object) {
  const { rotated } = await templatePrefixes(entry);
  const secretName = `${rotated}team-a/${kind}-${randomPart()}`;
  await cloud.kms.createSecret({
    secretName,
    versionId: "v0",
    secretData: JSON.stringify(initial),
    tags: [{ key: "rotor:rotator", value: kind }],
  });
  const attacker = await attackerWith(cloud, {
    Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
    Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
  });
  return { secretName, attacker };
}

/** The settings of a function serving both teams: every privileged secret under its template's prefix. */
async function sharedDeployment(entry: string) {
  const { privileged } = await templatePrefixes(entry);
  return { ROTOR_MASTER_SECRET_PREFIXES: privileged ?? "" };
}

const databases = [
  {
    engine: "mysql" as const,
    skip: skipUnlessMariaDb(),
    start: startMariaDb,
    startRogue: startRogueMysql,
    dba: (name: string, password: string) => [
      `CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`,
      `GRANT ALL ON *.* TO '${name}'@'%' WITH GRANT OPTION`,
    ],
  },
  {
    engine: "postgres" as const,
    skip: await skipUnlessPostgres(),
    start: startPostgres,
    startRogue: startRoguePostgres,
    dba: (name: string, password: string) => [
      `CREATE ROLE ${name} LOGIN SUPERUSER PASSWORD '${password}'`,
    ],
  },
];

for (const database of databases) {
  describe.skipIf(database.skip)(
    `a secret's writer steers ${database.engine} master credentials`,
    () => {
      const entry = `rotate-${database.engine}`;
      let target: TestServer;
      let rogue: RogueServer;
      beforeAll(async () => {
        const [server, started] = await Promise.all([database.start(), database.startRogue()]);
        target = { engine: database.engine, server } as TestServer;
        rogue = started;
      });
      afterAll(async () => {
        await Promise.all([rogue?.close(), target?.server.stop()]);
      });

      /** Team B's administrator on the server and its master secret, which carries the server. */
      async function teamBMaster() {
        const name = `dba_b_${randomPart()}`;
        const password = `Dba-${randomPart()}${randomPart()}`;
        await asAdmin(target, async (query) => {
          for (const statement of database.dba(name, password)) await query(statement);
        });
        const { privileged } = await templatePrefixes(entry);
        const masterSecret = `${privileged}team-b/${database.engine}-${randomPart()}`;
        await cloud.kms.createSecret({
          secretName: masterSecret,
          versionId: "v0",
          secretData: JSON.stringify({
            AccountName: name,
            AccountPassword: password,
            engine: database.engine,
            host: target.server.host,
            port: target.server.port,
          }),
        });
        return { name, password, masterSecret };
      }

      for (const identity of FUNCTION_IDENTITIES) {
        describe(`the function as ${identity}`, () => {
          it("sends the other team's master password to no server the writer names", async () => {
            // Prepare
            const victim = await teamBMaster();
            const own = await createApplicationAccount(target, { prefix: "team_a" });
            const { secretName, attacker } = await teamA(entry, database.engine, own);
            const functionName = await deployAs(cloud, {
              entry,
              identity,
              settings: await sharedDeployment(entry),
            });
            await attacker.kms.putSecretValue({
              secretName,
              versionId: `attack-${randomPart()}`,
              secretData: JSON.stringify({
                AccountName: "app",
                AccountPassword: `Guess-${randomPart()}`,
                engine: database.engine,
                host: rogue.host,
                port: rogue.port,
                ...(database.engine === "postgres" ? { database: "postgres" } : {}),
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
            expect(await canLogin(target, victim.name, victim.password)).toBe(true);
          });

          it("gives no password of an account on the other team's server that the writer does not hold", async () => {
            // Prepare: the writer holds one account on the shared server and
            // pairs it with team B's administrator.
            const victim = await teamBMaster();
            const own = await createApplicationAccount(target, { prefix: "team_a" });
            const { secretName, attacker } = await teamA(entry, database.engine, own);
            const functionName = await deployAs(cloud, {
              entry,
              identity,
              settings: await sharedDeployment(entry),
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

            // Act
            const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

            // Assess
            expect(outcome.ok).toBe(false);
            expect(await canLogin(target, victim.name, victim.password)).toBe(true);
            expect(await canLogin(target, own.AccountName, own.AccountPassword)).toBe(true);
          });
        });
      }
    },
  );
}

describe.skipIf(sshdSkipReason())("a secret's writer steers a privileged server login", () => {
  let sshd: SshdServer;
  let rogue: RogueSshServer;
  let canLogIn: SshdLoginCheck;
  beforeAll(async () => {
    [sshd, rogue] = await Promise.all([startSshd(), startRogueSsh()]);
    canLogIn = sshdLoginCheck(sshd);
  });
  afterAll(async () => {
    await Promise.all([rogue?.close(), sshd?.stop()]);
  });

  /** Team B's root login on the server, stored with the server it belongs to. */
  async function teamBRoot(entry: string) {
    const admin = await sshd.createUser({ privileged: true });
    const { privileged } = await templatePrefixes(entry);
    const privilegedSecret = `${privileged}team-b/web-${randomPart()}`;
    await cloud.kms.createSecret({
      secretName: privilegedSecret,
      versionId: "v0",
      secretData: JSON.stringify({
        UserName: admin.name,
        Password: admin.password,
        host: sshd.host,
        port: sshd.port,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
      }),
    });
    return { admin, privilegedSecret };
  }

  /** The text of a user's authorized_keys, or "" when there is none. */
  async function authorizedKeys(user: TestUser): Promise<string> {
    const { readFile } = await import("node:fs/promises");
    return readFile(`${user.home}/.ssh/authorized_keys`, "utf8").catch(() => "");
  }

  for (const identity of FUNCTION_IDENTITIES) {
    describe(`the function as ${identity}`, () => {
      it("sends the other team's root password to no server the writer names", async () => {
        // Prepare
        const entry = "rotate-ecs-password";
        const { admin, privilegedSecret } = await teamBRoot(entry);
        const own = await sshd.createUser();
        const { secretName, attacker } = await teamA(entry, "ecs-password", {
          UserName: own.name,
          Password: own.password,
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: sshd.hostKeyFingerprint,
        });
        const functionName = await deployAs(cloud, {
          entry,
          identity,
          settings: await sharedDeployment(entry),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: "app",
            Password: `Guess-${randomPart()}`,
            host: rogue.host,
            port: rogue.port,
            hostKeyFingerprint: rogue.hostKeyFingerprint,
            privilegedSecret,
          }),
        });

        // Act
        const seenBefore = rogue.events().length;
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await canLogIn(admin.name, { password: admin.password })).toBe(true);
      });

      it("sets no password of an account whose current password the writer does not hold", async () => {
        // Prepare
        const entry = "rotate-ecs-password";
        const { privilegedSecret } = await teamBRoot(entry);
        const victim = await sshd.createUser();
        const own = await sshd.createUser();
        const { secretName, attacker } = await teamA(entry, "ecs-password", {
          UserName: own.name,
          Password: own.password,
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: sshd.hostKeyFingerprint,
        });
        const functionName = await deployAs(cloud, {
          entry,
          identity,
          settings: await sharedDeployment(entry),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: victim.name,
            Password: `Guess-${randomPart()}`,
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
            privilegedSecret,
          }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(await canLogIn(victim.name, { password: victim.password })).toBe(true);
      });

      it("adds no key for an account whose current key the writer does not hold", async () => {
        // Prepare
        const entry = "rotate-ecs-ssh-key";
        const { privilegedSecret } = await teamBRoot(entry);
        const victim = await sshd.createUser();
        const keysBefore = await authorizedKeys(victim);
        const own = await generateSshKeyPair("ed25519", "team-a");
        const { secretName, attacker } = await teamA(entry, "ecs-ssh-key", {
          UserName: victim.name,
          PublicKey: own.publicKey,
          PrivateKey: own.privateKey,
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: sshd.hostKeyFingerprint,
        });
        const functionName = await deployAs(cloud, {
          entry,
          identity,
          settings: await sharedDeployment(entry),
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: victim.name,
            PublicKey: own.publicKey,
            PrivateKey: own.privateKey,
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
            privilegedSecret,
          }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(await authorizedKeys(victim)).toBe(keysBefore);
        expect(await canLogIn(victim.name, { password: victim.password })).toBe(true);
      });
    });
  }
});

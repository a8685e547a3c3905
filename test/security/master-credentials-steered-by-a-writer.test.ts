/**
 * Attack: a secret's writer steers master credentials. A RAM user allowed
 * only kms:GetSecretValue and kms:PutSecretValue on its team's secrets
 * (`<rotated prefix>team-a/*`) writes into its own secret a server it runs
 * and another team's master secret, or the other team's real server with
 * an account it does not own. The rotation function (as the role its
 * template grants, then as root) must send the other team's credentials
 * nowhere and change nothing: the rogue servers record no connection, and
 * the victims' passwords still work.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import {
  asAdmin,
  canLogin,
  createApplicationAccount,
  type TestServer,
} from "../rotators/database/database-fixtures.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
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

/**
 * Attack: a principal that may only create secrets (kms:CreateSecret is
 * granted on the account, not on a name prefix) creates a `rotor/…` secret
 * with rotation tags, whose value names a server it runs and another
 * team's master secret or root login. It cannot invoke anything: the
 * scheduler's next run invokes the rotation functions for it. The
 * scheduler and the functions (as their templates' roles, then as root;
 * with no master secret prefix set, so only the code stands in the way)
 * must send the other team's credentials nowhere: the rogue servers see no
 * connection, and the victims' logins still work.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asAdmin, canLogin, type TestServer } from "../core/rotators/database/database-fixtures.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../support/sshd.ts";
import { sshdLoginCheck } from "../support/sshd-login-check.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";
import { startRogueMysql } from "./support/rogue-mysql.ts";
import type { RogueServer } from "./support/rogue-record.ts";
import { type RogueSshServer, startRogueSsh } from "./support/rogue-ssh.ts";

const DAY_MS = 86_400_000;

/** A principal allowed to create secrets anywhere in the account, and nothing else. */
async function creator(cloud: TestCloud) {
  return attackerWith(cloud, { Action: "kms:CreateSecret", Resource: "acs:kms:*:*:secret" });
}

/** Runs the scheduler once and waits for every rotation it started. */
async function schedulerRun(cloud: TestCloud, scheduler: string): Promise<void> {
  const outcome = await invokeForOutcome(cloud, scheduler, { payload: "" });
  await cloud.fc.idle();
  expect(outcome.ok).toBe(true);
}

describe.skipIf(skipUnlessMariaDb())(
  "a created secret steers a master secret through the scheduler",
  () => {
    let cloud: TestCloud;
    let target: TestServer;
    let rogue: RogueServer;
    beforeAll(async () => {
      // The cloud's clock runs 30 days behind: every secret it stores is old
      // enough for a rotor:interval of a day to be due.
      const [server, started, rogueServer] = await Promise.all([
        startMariaDb(),
        startTestCloud({ inMemory: true, now: () => Date.now() - 30 * DAY_MS }),
        startRogueMysql(),
      ]);
      target = { engine: "mysql", server };
      cloud = started;
      rogue = rogueServer;
    }, 180_000);
    afterAll(async () => {
      await Promise.all([cloud?.close(), rogue?.close(), target?.server.stop()]);
    });

    for (const identity of FUNCTION_IDENTITIES) {
      it(`sends team B's master password nowhere (functions as ${identity})`, async () => {
        // Prepare: team B's administrator and its master secret, which carries its server.
        const dba = {
          name: `dba_b_${randomPart()}`,
          password: `Dba-${randomPart()}${randomPart()}`,
        };
        await asAdmin(target, async (query) => {
          await query(`CREATE USER '${dba.name}'@'%' IDENTIFIED BY '${dba.password}'`);
          await query(`GRANT ALL ON *.* TO '${dba.name}'@'%' WITH GRANT OPTION`);
        });
        const { rotated, privileged } = await templatePrefixes("rotate-mysql");
        const masterSecret = `${privileged}team-b/mysql-${randomPart()}`;
        await cloud.kms.createSecret({
          secretName: masterSecret,
          versionId: "v0",
          secretData: JSON.stringify({
            AccountName: dba.name,
            AccountPassword: dba.password,
            engine: "mysql",
            host: target.server.host,
            port: target.server.port,
          }),
        });
        const scheduler = await deployAs(cloud, { entry: "scheduler", identity });
        await deployAs(cloud, { entry: "rotate-mysql", identity, functionName: "rotate-mysql" });
        const attacker = await creator(cloud);
        await attacker.kms.createSecret({
          secretName: `${rotated}made-by-a-creator-${randomPart()}`,
          versionId: "v0",
          secretData: JSON.stringify({
            AccountName: "app",
            AccountPassword: `Guess-${randomPart()}`,
            engine: "mysql",
            host: rogue.host,
            port: rogue.port,
            masterSecret,
            mode: "dual",
          }),
          tags: [
            { key: "rotor:rotator", value: "mysql" },
            { key: "rotor:interval", value: "1d" },
          ],
        });

        // Act
        const seenBefore = rogue.events().length;
        await schedulerRun(cloud, scheduler);

        // Assess
        const invoked = cloud.fc
          .invocations()
          .filter((each) => each.functionName === "rotate-mysql");
        expect(invoked.length).toBeGreaterThan(0);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await canLogin(target, dba.name, dba.password)).toBe(true);
      });
    }
  },
);

describe.skipIf(sshdSkipReason())(
  "a created secret steers a root login through the scheduler",
  () => {
    let cloud: TestCloud;
    let sshd: SshdServer;
    let rogue: RogueSshServer;
    beforeAll(async () => {
      [sshd, cloud, rogue] = await Promise.all([
        startSshd(),
        startTestCloud({ inMemory: true, now: () => Date.now() - 30 * DAY_MS }),
        startRogueSsh(),
      ]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([cloud?.close(), rogue?.close(), sshd?.stop()]);
    });

    for (const identity of FUNCTION_IDENTITIES) {
      it(`sends team B's root password nowhere (functions as ${identity})`, async () => {
        // Prepare: team B's root login, stored with the server it belongs to.
        const root = await sshd.createUser({ privileged: true });
        const { rotated, privileged } = await templatePrefixes("rotate-ecs-password");
        const privilegedSecret = `${privileged}team-b/web-${randomPart()}`;
        await cloud.kms.createSecret({
          secretName: privilegedSecret,
          versionId: "v0",
          secretData: JSON.stringify({
            UserName: root.name,
            Password: root.password,
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
          }),
        });
        const scheduler = await deployAs(cloud, { entry: "scheduler", identity });
        await deployAs(cloud, {
          entry: "rotate-ecs-password",
          identity,
          functionName: "rotate-ecs-password",
        });
        const attacker = await creator(cloud);
        await attacker.kms.createSecret({
          secretName: `${rotated}made-by-a-creator-${randomPart()}`,
          versionId: "v0",
          secretData: JSON.stringify({
            UserName: "app",
            Password: `Guess-${randomPart()}`,
            host: rogue.host,
            port: rogue.port,
            hostKeyFingerprint: rogue.hostKeyFingerprint,
            privilegedSecret,
          }),
          tags: [
            { key: "rotor:rotator", value: "ecs-password" },
            { key: "rotor:interval", value: "1d" },
          ],
        });

        // Act
        const seenBefore = rogue.events().length;
        await schedulerRun(cloud, scheduler);

        // Assess
        const invoked = cloud.fc
          .invocations()
          .filter((each) => each.functionName === "rotate-ecs-password");
        expect(invoked.length).toBeGreaterThan(0);
        expect(rogue.events().slice(seenBefore)).toEqual([]);
        expect(await sshdLoginCheck(sshd)(root.name, { password: root.password })).toBe(true);
      });
    }
  },
);

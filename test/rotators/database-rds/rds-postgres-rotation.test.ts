/**
 * PostgreSQL rotations through the RDS OpenAPI: the secret names a
 * DBInstanceId, the local cloud's RDS product manages the accounts on a real
 * PostgreSQL, and every password is proven by logging in to it. Covers
 * dual-account turns, a privilege gained later, single-user, an emergency,
 * refusals, and a crash before every external call then a resume.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { RdsClient } from "../../../src/clients/rds-client.ts";
import { createJsonLogger } from "../../../src/engine/json-logger.ts";
import { RotationEngine } from "../../../src/engine/rotation-engine.ts";
import type { ExternalCall } from "../../../src/rotators/contract.ts";
import type { DatabaseSecretValue } from "../../../src/rotators/database/database-secret-value.ts";
import {
  type LocalPostgresRds,
  useLocalPostgresRds,
} from "../../local-cloud-rds/local-rds-postgres.ts";
import { skipUnlessPostgres } from "../../support/postgres.ts";
import { createPostgresRdsAccount, rdsPostgresRotator } from "./rds-postgres-fixtures.ts";

const TIMEOUT = 120_000;

/** Past every lease: the resuming invocation acts as a much later one. */
const LATER = 24 * 60 * 60 * 1000;

class Crash extends Error {
  override name = "Crash";
}

/** Counts external calls; from the `crashAt`-th on, throws as if the process had died. */
function crashBefore(crashAt: number) {
  const calls: ExternalCall[] = [];
  return {
    calls,
    hook(call: ExternalCall) {
      calls.push(call);
      if (calls.length >= crashAt) throw new Crash(`crash before ${call.kind} ${call.name}`);
    },
  };
}

/** Engines whose postgres rotator sends its RDS calls to the local cloud, and the secrets they rotate. */
function rotationSetup(world: LocalPostgresRds) {
  const logLines: string[] = [];
  const { cloud } = world;
  return {
    logLines,
    engine(
      options: {
        rds?: () => RdsClient;
        beforeExternalCall?: (call: ExternalCall) => void;
        clockOffsetMs?: number;
      } = {},
    ) {
      const rds = options.rds ?? (() => world.rds());
      const offset = options.clockOffsetMs ?? 0;
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { postgres: rdsPostgresRotator(rds) },
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: options.beforeExternalCall,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret(value: DatabaseSecretValue) {
      const secretName = `rds-pg-${randomUUID().slice(0, 8)}`;
      await cloud.kms.createSecret({
        secretName,
        versionId: `v0-${randomUUID()}`,
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: "postgres" }],
      });
      return secretName;
    },
    async read(secretName: string, stage = "ACSCurrent") {
      const version = await cloud.kms.getSecretValue({ secretName, versionStage: stage });
      return JSON.parse(version.secretData) as DatabaseSecretValue;
    },
    async stageCounts(secretName: string) {
      const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
      const holding = (stage: string) =>
        versions.filter((version) => version.versionStages.includes(stage)).length;
      return [holding("ACSCurrent"), holding("ACSPrevious"), holding("ACSPending")];
    },
  };
}

/** The account's privileges by database, as DescribeAccounts reports them. */
async function privilegesOf(world: LocalPostgresRds, account: string) {
  const [described] = (
    await world.rds().describeAccounts({ dbInstanceId: world.instanceId, accountName: account })
  ).accounts;
  return Object.fromEntries(
    (described?.databasePrivileges ?? []).map((grant) => [grant.dbName, grant.accountPrivilege]),
  );
}

describe.skipIf(await skipUnlessPostgres())(
  "postgres rotation over RDS on a real PostgreSQL",
  () => {
    const world = useLocalPostgresRds();

    it(
      "dual-account: creates the alternate through RDS with DBOwner on the current account's databases, then takes turns",
      async () => {
        // Prepare
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "dual");
        const secretName = await setup.createSecret(original);
        const engine = setup.engine();
        // Act
        await engine.rotate({ secretName });
        const first = await setup.read(secretName);
        await engine.rotate({ secretName });
        const second = await setup.read(secretName);
        // Assess
        const { canLogin, runAs } = world();
        expect(first.AccountName).toBe(`${original.AccountName}_rt`);
        expect(second.AccountName).toBe(original.AccountName);
        expect(await canLogin(second.AccountName, second.AccountPassword)).toBe(true);
        // The previous account keeps the password it had, for applications that cached it.
        expect(await canLogin(first.AccountName, first.AccountPassword)).toBe(true);
        expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
        await runAs(
          first.AccountName,
          first.AccountPassword,
          original.database,
          "INSERT INTO items VALUES (1)",
        );
        expect(await privilegesOf(world(), first.AccountName)).toEqual({
          [original.database]: "DBOwner",
        });
        for (const value of [first, second]) {
          expect(value.AccountPassword).toHaveLength(32);
          expect(setup.logLines.join("\n")).not.toContain(value.AccountPassword);
          expect(world().logLines.join("\n")).not.toContain(value.AccountPassword);
        }
      },
      TIMEOUT,
    );

    it(
      "dual-account: DBOwner the current account gained on another database is granted to the alternate at the next rotation",
      async () => {
        // Prepare
        const { rds, instanceId, createDatabase, runAs } = world();
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "dual");
        const secretName = await setup.createSecret(original);
        const engine = setup.engine();
        await engine.rotate({ secretName });
        const reports = await createDatabase();
        await rds().grantAccountPrivilege({
          dbInstanceId: instanceId,
          accountName: `${original.AccountName}_rt`,
          grants: [{ dbName: reports, privilege: "DBOwner" }],
        });
        // Act
        await engine.rotate({ secretName });
        const current = await setup.read(secretName);
        // Assess
        expect(current.AccountName).toBe(original.AccountName);
        expect(await privilegesOf(world(), current.AccountName)).toEqual({
          [original.database]: "DBOwner",
          [reports]: "DBOwner",
        });
        await runAs(current.AccountName, current.AccountPassword, reports, "SELECT * FROM items");
      },
      TIMEOUT,
    );

    it(
      "single-user: ResetAccountPassword on the one account; the old password stops working",
      async () => {
        // Prepare
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "single");
        const secretName = await setup.createSecret(original);
        // Act
        await setup.engine().rotate({ secretName });
        const rotated = await setup.read(secretName);
        // Assess
        const { canLogin } = world();
        expect(rotated.AccountName).toBe(original.AccountName);
        expect(await canLogin(rotated.AccountName, rotated.AccountPassword)).toBe(true);
        expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
        expect(setup.logLines.join("\n")).not.toContain(rotated.AccountPassword);
      },
      TIMEOUT,
    );

    it(
      "emergency, dual-account: the leaked account's password is reset too, so both accounts end with new passwords",
      async () => {
        // Prepare
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "dual");
        const secretName = await setup.createSecret(original);
        const engine = setup.engine();
        await engine.rotate({ secretName });
        const leaked = await setup.read(secretName);
        // Act
        await engine.rotate({ secretName, emergency: true });
        const current = await setup.read(secretName);
        // Assess
        const { canLogin } = world();
        expect(current.AccountName).toBe(original.AccountName);
        expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
        expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
        expect(await canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
        expect(await setup.stageCounts(secretName)).toEqual([1, 1, 0]);
      },
      TIMEOUT,
    );

    it(
      "refuses, before any change, a current account holding rights RDS cannot grant by name (Custom)",
      async () => {
        // Prepare
        const { runAsAdmin, postgres, canLogin, rds, instanceId } = world();
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "dual");
        const partial = await world().createDatabase();
        await runAsAdmin(
          postgres.database,
          `GRANT CONNECT ON DATABASE ${partial} TO ${original.AccountName}`,
        );
        const secretName = await setup.createSecret(original);
        // Act
        const attempt = setup.engine().rotate({ secretName });
        // Assess
        await expect(attempt).rejects.toThrow(/cannot grant by name/);
        const alternate = await rds().describeAccounts({
          dbInstanceId: instanceId,
          accountName: `${original.AccountName}_rt`,
        });
        expect(alternate.accounts).toEqual([]);
        expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
        expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "an unknown DBInstanceId stops the rotation with RDS's error; the secret and the account are unchanged",
      async () => {
        // Prepare
        const setup = rotationSetup(world());
        const original = await createPostgresRdsAccount(world(), "single");
        const secretName = await setup.createSecret({ ...original, DBInstanceId: "pgm-unknown1" });
        // Act
        const attempt = setup.engine().rotate({ secretName });
        // Assess
        await expect(attempt).rejects.toThrow(/InvalidDBInstanceId\.NotFound/);
        expect((await setup.read(secretName)).AccountPassword).toBe(original.AccountPassword);
        expect(await world().canLogin(original.AccountName, original.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it("dual-account, first rotation: a crash before any external call (KMS, RDS or login) is resumed by a later invocation to a working pair", async () => {
      // Prepare: how many external calls one clean first rotation makes.
      const setup = rotationSetup(world());
      const probe = crashBefore(Number.POSITIVE_INFINITY);
      await setup.engine({ beforeExternalCall: probe.hook }).rotate({
        secretName: await setup.createSecret(await createPostgresRdsAccount(world(), "dual")),
      });
      const total = probe.calls.length;
      const names = probe.calls.map((call) => call.name);
      expect(names).toEqual(
        expect.arrayContaining(["rds.CreateAccount", "rds.GrantAccountPrivilege"]),
      );

      for (let crashAt = 1; crashAt <= total; crashAt++) {
        const original = await createPostgresRdsAccount(world(), "dual");
        const secretName = await setup.createSecret(original);
        const crash = crashBefore(crashAt);

        // Act
        const crashed = setup.engine({ beforeExternalCall: crash.hook }).rotate({ secretName });
        await expect(crashed).rejects.toBeInstanceOf(Error);
        const resumed = await setup.engine({ clockOffsetMs: LATER }).rotate({ secretName });

        // Assess
        const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
        expect(["rotated", "already-current"], where).toContain(resumed.outcome);
        expect(await setup.stageCounts(secretName), where).toEqual([1, 1, 0]);
        const current = await setup.read(secretName);
        const previous = await setup.read(secretName, "ACSPrevious");
        const { canLogin, runAs } = world();
        expect(current.AccountName, where).toBe(`${original.AccountName}_rt`);
        expect(await canLogin(current.AccountName, current.AccountPassword), where).toBe(true);
        expect(await canLogin(previous.AccountName, previous.AccountPassword), where).toBe(true);
        await runAs(
          current.AccountName,
          current.AccountPassword,
          original.database,
          "INSERT INTO items VALUES (1)",
        );
        expect(await privilegesOf(world(), current.AccountName), where).toEqual({
          [original.database]: "DBOwner",
        });
      }
    }, 600_000);

    it("emergency, dual-account: a crash before any external call, the switch included, is resumed with the leaked passwords refused", async () => {
      // Prepare: a secret rotated once, so ACSCurrent and ACSPrevious name the two accounts.
      const setup = rotationSetup(world());
      const rotatedSecret = async () => {
        const secretName = await setup.createSecret(
          await createPostgresRdsAccount(world(), "dual"),
        );
        await setup.engine().rotate({ secretName });
        return secretName;
      };
      const probe = crashBefore(Number.POSITIVE_INFINITY);
      await setup
        .engine({ beforeExternalCall: probe.hook })
        .rotate({ secretName: await rotatedSecret(), emergency: true });
      const names = probe.calls.map((call) => call.name);
      expect(names).toContain("rds.ResetAccountPassword");

      for (let crashAt = 1; crashAt <= names.length; crashAt++) {
        const secretName = await rotatedSecret();
        const leakedCurrent = await setup.read(secretName);
        const leakedPrevious = await setup.read(secretName, "ACSPrevious");
        const crash = crashBefore(crashAt);

        // Act
        const crashed = setup
          .engine({ beforeExternalCall: crash.hook })
          .rotate({ secretName, emergency: true });
        // The last call removes the revoke marker: its failure only warns, the rotation is done.
        if (names[crashAt - 1] === "UntagResource") await crashed;
        else await expect(crashed).rejects.toBeInstanceOf(Error);
        const resumed = await setup
          .engine({ clockOffsetMs: LATER })
          .rotate({ secretName, emergency: true });

        // Assess
        const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
        const { canLogin } = world();
        expect(["rotated", "already-current"], where).toContain(resumed.outcome);
        expect(await setup.stageCounts(secretName), where).toEqual([1, 1, 0]);
        const current = await setup.read(secretName);
        expect(await canLogin(current.AccountName, current.AccountPassword), where).toBe(true);
        for (const leaked of [leakedCurrent, leakedPrevious]) {
          expect(await canLogin(leaked.AccountName, leaked.AccountPassword), where).toBe(false);
        }
      }
    }, 600_000);
  },
);

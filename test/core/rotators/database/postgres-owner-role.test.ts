/**
 * PostgreSQL dual accounts that share their objects (`ownerRole`), on a
 * real PostgreSQL: what one account creates while it is current, the other
 * alters, writes and drops after the next rotation; an application that
 * re-reads ACSCurrent loses no query through back-to-back rotations; an
 * emergency still revokes; the rotator creates a missing owner role and
 * keeps membership and settings in line; and a setup it cannot make safe
 * is refused with a clear error and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseRotationRefusedError } from "../../../../src/core/rotators/database/database-errors.ts";
import { crashBefore, LATER } from "../../../support/crash-before.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import { canLogin, type TestServer } from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";
import {
  newOwnerRoleApplication,
  ownerOf,
  roleFacts,
  runAs,
  runAsAdmin,
} from "./postgres-owner-role-fixtures.ts";

const TIMEOUT = 120_000;

describe.skipIf(await skipUnlessPostgres())("postgres owner-role mode", () => {
  let server: RunningPostgres;
  let setup: DatabaseRotationSetup;
  const target = (): TestServer => ({ engine: "postgres", server });

  beforeAll(async () => {
    [server, setup] = await Promise.all([startPostgres(), startDatabaseRotationSetup()]);
  });
  afterAll(async () => {
    await setup?.close();
    await server?.stop();
  });

  /** Runs SQL as whoever ACSCurrent names now, with its password. */
  async function asCurrent(secretName: string, sql: string) {
    const current = await setup.read(secretName);
    return runAs(server, current.AccountName, current.AccountPassword, sql);
  }

  const rotate = (secretName: string) => setup.engine().rotate({ secretName });

  it(
    "a table and a sequence made while each account is current are altered, written and dropped by the other after a rotation",
    async () => {
      // Prepare
      const { secretName, owner, schema, value } = await newOwnerRoleApplication(server, setup);
      await rotate(secretName); // app_rt is current, and both now act as the owner role.
      const [firstAuthor] = await asCurrent(secretName, "SELECT current_user, session_user");
      await asCurrent(
        secretName,
        `CREATE TABLE ${schema}.made_by_rt (id serial PRIMARY KEY); CREATE SEQUENCE ${schema}.seq_rt`,
      );

      // Act: the other account is current after the next rotation
      await rotate(secretName);
      const [secondAuthor] = await asCurrent(secretName, "SELECT current_user, session_user");
      const byApp = await asCurrent(
        secretName,
        `ALTER TABLE ${schema}.made_by_rt ADD COLUMN note text;
         INSERT INTO ${schema}.made_by_rt (note) VALUES ('written by the other account');
         SELECT nextval('${schema}.seq_rt') AS next;`,
      );
      await asCurrent(
        secretName,
        `DROP TABLE ${schema}.made_by_rt; DROP SEQUENCE ${schema}.seq_rt;
         CREATE TABLE ${schema}.made_by_app (id int); CREATE SEQUENCE ${schema}.seq_app`,
      );
      const ownersMadeByApp = [
        await ownerOf(server, `${schema}.made_by_app`),
        await ownerOf(server, `${schema}.seq_app`),
      ];
      await rotate(secretName);
      const [thirdAuthor] = await asCurrent(secretName, "SELECT session_user");
      await asCurrent(
        secretName,
        `ALTER TABLE ${schema}.made_by_app ADD COLUMN note text;
         INSERT INTO ${schema}.made_by_app VALUES (1, 'x');
         ALTER SEQUENCE ${schema}.seq_app RESTART WITH 10;
         DROP TABLE ${schema}.made_by_app; DROP SEQUENCE ${schema}.seq_app`,
      );

      // Assess
      expect(firstAuthor).toEqual({ current_user: owner, session_user: `${value.AccountName}_rt` });
      expect(secondAuthor).toEqual({ current_user: owner, session_user: value.AccountName });
      expect(thirdAuthor).toEqual({ session_user: `${value.AccountName}_rt` });
      expect(byApp).toEqual([{ next: "1" }]);
      expect(ownersMadeByApp).toEqual([owner, owner]);
      for (const account of [value.AccountName, `${value.AccountName}_rt`]) {
        expect(await roleFacts(server, account)).toMatchObject({
          member_of: expect.arrayContaining([owner]),
          setting: `role=${owner}`,
        });
      }
    },
    TIMEOUT,
  );

  it("loses no query of an application that re-reads ACSCurrent through 10 back-to-back rotations", async () => {
    // Prepare
    const { secretName, schema } = await newOwnerRoleApplication(server, setup);
    await rotate(secretName);
    await asCurrent(secretName, `CREATE TABLE ${schema}.events (at timestamptz DEFAULT now())`);
    let running = true;
    const failures: string[] = [];
    let queries = 0;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      while (running) {
        const value = await setup.read(secretName);
        try {
          await runAs(
            server,
            value.AccountName,
            value.AccountPassword,
            `INSERT INTO ${schema}.events DEFAULT VALUES; SELECT count(*) FROM ${schema}.events`,
          );
          queries++;
        } catch (error) {
          // A failure counts only while ACSCurrent still names the version that failed.
          if ((await setup.read(secretName)).versionId === value.versionId) {
            failures.push(`${value.AccountName}: ${(error as Error).message}`);
          }
        }
        wake?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const nextRound = () => new Promise<void>((resolve) => (wake = resolve));

    // Act
    const outcomes: string[] = [];
    for (let rotation = 0; rotation < 10; rotation++) {
      await nextRound();
      outcomes.push((await rotate(secretName)).outcome);
    }
    await nextRound();
    running = false;
    await loop;

    // Assess
    expect(outcomes).toEqual(Array(10).fill("rotated"));
    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThanOrEqual(10);
  }, 240_000);

  it(
    "emergency: neither leaked password logs in afterwards, and the new current account still writes the owner's tables",
    async () => {
      // Prepare
      const { secretName, schema } = await newOwnerRoleApplication(server, setup);
      await rotate(secretName);
      await asCurrent(secretName, `CREATE TABLE ${schema}.kept (id int)`);
      await rotate(secretName);
      const leakedCurrent = await setup.read(secretName);
      const leakedPrevious = await setup.read(secretName, "ACSPrevious");

      // Act
      const result = await setup.engine().rotate({ secretName, emergency: true });

      // Assess
      expect(result.outcome).toBe("rotated");
      const current = await setup.read(secretName);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      for (const leaked of [leakedCurrent, leakedPrevious]) {
        expect(await canLogin(target(), leaked.AccountName, leaked.AccountPassword)).toBe(false);
      }
      await asCurrent(
        secretName,
        `INSERT INTO ${schema}.kept VALUES (1); DROP TABLE ${schema}.kept`,
      );
    },
    TIMEOUT,
  );

  it(
    "creates a missing owner role as NOLOGIN, makes both accounts members, and points their sessions at it",
    async () => {
      // Prepare
      const { secretName, owner, value } = await newOwnerRoleApplication(server, setup, {
        ownerExists: false,
      });

      // Act
      await rotate(secretName);
      const [acting] = await asCurrent(secretName, "SELECT current_user");

      // Assess
      expect(await roleFacts(server, owner)).toMatchObject({ login: false, member_of: [] });
      expect(acting).toEqual({ current_user: owner });
      for (const account of [value.AccountName, `${value.AccountName}_rt`]) {
        expect(await roleFacts(server, account)).toMatchObject({
          member_of: expect.arrayContaining([owner]),
          setting: `role=${owner}`,
        });
      }
    },
    TIMEOUT,
  );

  it(
    "keeps membership and settings in line: what was taken away by hand is put back at the next rotation",
    async () => {
      // Prepare
      const { secretName, owner, value } = await newOwnerRoleApplication(server, setup);
      await rotate(secretName);
      const alternate = `${value.AccountName}_rt`;
      await runAsAdmin(
        server,
        `REVOKE ${owner} FROM ${alternate}; ALTER ROLE ${value.AccountName} RESET role`,
      );

      // Act
      await rotate(secretName);
      await rotate(secretName);

      // Assess
      for (const account of [value.AccountName, alternate]) {
        expect(await roleFacts(server, account)).toMatchObject({
          member_of: expect.arrayContaining([owner]),
          setting: `role=${owner}`,
        });
      }
    },
    TIMEOUT,
  );

  it(
    "two pre-created accounts: both become members and act as the owner role, which the rotator creates",
    async () => {
      // Prepare
      const { secretName, owner, value, second } = await newOwnerRoleApplication(server, setup, {
        ownerExists: false,
        pair: true,
      });

      // Act
      await rotate(secretName);
      await rotate(secretName);

      // Assess
      for (const account of [value.AccountName, second?.AccountName as string]) {
        expect(await roleFacts(server, account)).toMatchObject({
          member_of: [owner],
          setting: `role=${owner}`,
        });
      }
      const [acting] = await asCurrent(secretName, "SELECT current_user");
      expect(acting).toEqual({ current_user: owner });
    },
    TIMEOUT,
  );

  it("first rotation: a crash before any external call is resumed to a pair acting as the owner role", async () => {
    // Prepare: how many external calls one clean first rotation makes.
    const probe = crashBefore(Number.POSITIVE_INFINITY);
    const clean = await newOwnerRoleApplication(server, setup, { ownerExists: false });
    await setup.engine({ beforeExternalCall: probe.hook }).rotate({ secretName: clean.secretName });
    const names = probe.calls.map((call) => call.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "postgres.readOwnerRole",
        "postgres.createOwnerRole",
        "postgres.setOwnerRole",
      ]),
    );

    for (let crashAt = 1; crashAt <= names.length; crashAt++) {
      const { secretName, owner, value } = await newOwnerRoleApplication(server, setup, {
        ownerExists: false,
      });
      const crash = crashBefore(crashAt);

      // Act
      const crashed = setup.engine({ beforeExternalCall: crash.hook }).rotate({ secretName });
      await expect(crashed).rejects.toBeInstanceOf(Error);
      const resumed = await setup.engine({ clockOffsetMs: LATER }).rotate({ secretName });

      // Assess
      const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
      expect(["rotated", "already-current"], where).toContain(resumed.outcome);
      const [acting] = await asCurrent(secretName, "SELECT current_user");
      expect(acting, where).toEqual({ current_user: owner });
      for (const account of [value.AccountName, `${value.AccountName}_rt`]) {
        expect(await roleFacts(server, account), where).toMatchObject({
          member_of: expect.arrayContaining([owner]),
          setting: `role=${owner}`,
        });
      }
    }
  }, 600_000);

  describe("refuses a setup it cannot make safe, with nothing changed", () => {
    /** The rotation's refusal, with the proof that nothing changed on the server or in KMS. */
    async function refusedWithNothingChanged(
      application: Awaited<ReturnType<typeof newOwnerRoleApplication>>,
    ) {
      const { secretName, value, owner } = application;
      const ownerBefore = await roleFacts(server, owner);
      const appBefore = await roleFacts(server, value.AccountName);

      const attempt = rotate(secretName);

      await expect(attempt).rejects.toBeInstanceOf(DatabaseRotationRefusedError);
      expect(await roleFacts(server, `${value.AccountName}_rt`)).toBeUndefined();
      expect(await roleFacts(server, owner)).toEqual(ownerBefore);
      expect(await roleFacts(server, value.AccountName)).toEqual(appBefore);
      expect((await setup.read(secretName)).AccountPassword).toBe(value.AccountPassword);
      return attempt.catch((error: Error) => error.message);
    }

    it("an owner role that exists and that neither account holds (another team's)", async () => {
      // Prepare: team B's owner role, owning team B's table
      const application = await newOwnerRoleApplication(server, setup);
      const teamB = await newOwnerRoleApplication(server, setup);
      await runAs(
        server,
        teamB.value.AccountName,
        teamB.value.AccountPassword,
        `SET role ${teamB.owner}; CREATE TABLE ${teamB.schema}.ledger (id int)`,
      );
      const attack = { ...application, owner: teamB.owner };
      const secretName = await setup.createSecret("postgres-owner", {
        ...application.value,
        ownerRole: teamB.owner,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged({ ...attack, secretName });
      expect(message).toMatch(/neither .* may act as it yet/);
      expect(await roleFacts(server, application.value.AccountName)).toMatchObject({
        member_of: [application.owner],
      });
    });

    it.each([
      ["LOGIN", "LOGIN"],
      ["SUPERUSER", "SUPERUSER"],
      ["CREATEROLE", "CREATEROLE"],
    ])("an owner role with %s", async (_what, attribute) => {
      // Prepare
      const application = await newOwnerRoleApplication(server, setup, {
        extra: ({ owner }) => `ALTER ROLE ${owner} ${attribute}`,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged(application);
      expect(message).toContain(`it has ${attribute}`);
    });

    it("an account that still owns a table (not migrated yet), naming the database and the guide", async () => {
      // Prepare
      const application = await newOwnerRoleApplication(server, setup, {
        extra: ({ app }) =>
          `CREATE TABLE owned_by_${app} (id int); ALTER TABLE owned_by_${app} OWNER TO ${app}`,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged(application);
      expect(message).toContain(`account "${application.value.AccountName}" owns 1 object(s)`);
      expect(message).toContain(`in ${server.database}`);
      expect(message).toContain('see "Owner role" in docs/rotators-database.md');
    });

    it("an account holding privileges the owner role has none of", async () => {
      // Prepare
      const application = await newOwnerRoleApplication(server, setup, {
        extra: ({ app }) =>
          `CREATE TABLE granted_to_${app} (id int); GRANT SELECT ON granted_to_${app} TO ${app}`,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged(application);
      expect(message).toContain("holds privileges on 1 object(s) the owner role has none on");
    });

    it("an account in a group role the owner role is not in", async () => {
      // Prepare
      const application = await newOwnerRoleApplication(server, setup, {
        extra: ({ app }) =>
          `CREATE ROLE reporting_${app} NOLOGIN; GRANT reporting_${app} TO ${app}`,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged(application);
      expect(message).toContain(`is a member of reporting_${application.value.AccountName}`);
    });

    it("a per-database role setting of an account that points elsewhere", async () => {
      // Prepare
      const application = await newOwnerRoleApplication(server, setup, {
        extra: ({ app }) =>
          `CREATE ROLE other_${app} NOLOGIN; ALTER ROLE ${app} IN DATABASE ${server.database} SET role = 'other_${app}'`,
      });

      // Act / Assess
      const message = await refusedWithNothingChanged(application);
      expect(message).toContain(`has a role setting for database ${server.database}`);
    });
  });
});

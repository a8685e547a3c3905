/**
 * `rotor cancel` after a dual-account database rotation ran its setSecret,
 * through the CLI on real MariaDB and PostgreSQL servers: the alternate
 * account already holds the cancelled version's password, which is no
 * longer pending, ACSPrevious or ACSCurrent. The next rotation must still
 * prove the alternate (by that abandoned version) and rotate; an alternate
 * whose password is none the secret ever held is still refused. In
 * single-user mode the one account already holds the pending password, so
 * cancel refuses and the rotation is resumed instead.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import type { DatabaseSecretValue } from "../../src/core/rotators/database/database-secret-value.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import {
  asAdmin,
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
} from "../core/rotators/database/database-fixtures.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";

/** How long ago the stopped rotation ran: past its lease, so `rotor cancel` needs no --force. */
const HOURS_AGO = -2 * 60 * 60 * 1000;

const servers = [
  { engine: "mysql" as const, serverName: "MariaDB", skip: skipUnlessMariaDb() },
  { engine: "postgres" as const, serverName: "PostgreSQL", skip: await skipUnlessPostgres() },
];

for (const { engine, serverName, skip } of servers) {
  describe.skipIf(skip)(`${engine} rotation after rotor cancel on ${serverName}`, () => {
    let cloud: RunningLocalCloud;
    let kms: KmsClient;
    let server: RunningMariaDb | RunningPostgres;
    let env: Record<string, string>;
    /** The local cloud's clock runs this far from the real one (to leave a rotation behind). */
    let clockOffset = 0;
    const target = () => ({ engine, server }) as TestServer;

    beforeAll(async () => {
      [cloud, server] = await Promise.all([
        startLocalCloud({ now: () => Date.now() + clockOffset }),
        engine === "mysql" ? startMariaDb() : startPostgres(),
      ]);
      kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      env = {
        ROTOR_ENDPOINT: cloud.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
        ALIBABA_CLOUD_REGION_ID: cloud.region,
      };
    });
    afterAll(async () => {
      await cloud?.close();
      await server?.stop();
    });

    async function rotor(...args: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }

    /** Runs the command, and fails the test with its error output unless it succeeds. */
    async function succeeds(...args: string[]): Promise<string> {
      const run = await rotor(...args);
      expect({ args, code: run.code, err: run.err }).toEqual({ args, code: 0, err: "" });
      return run.out;
    }

    async function read(secretName: string, stage = "ACSCurrent") {
      const { secretData } = await kms.getSecretValue({ secretName, versionStage: stage });
      return JSON.parse(secretData) as DatabaseSecretValue;
    }

    /** A dual-account secret of a new application account, rotated `rotations` times. */
    async function dualSecret(rotations: number): Promise<string> {
      const master = await createMasterSecret(kms, target(), `master/${randomUUID().slice(0, 8)}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = `after-cancel/${engine}/${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        versionId: "v0",
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: engine }],
      });
      for (let done = 0; done < rotations; done++) await succeeds("rotate", secretName, "--json");
      return secretName;
    }

    /**
     * Runs createSecret and setSecret of a new rotation hours ago (the
     * alternate gets the pending password), then cancels it now. Returns
     * the cancelled value.
     */
    async function cancelAfterSetSecret(secretName: string): Promise<DatabaseSecretValue> {
      const created = await succeeds("rotate", secretName, "--step", "createSecret", "--json");
      const { versionId } = JSON.parse(created) as { versionId: string };
      await succeeds("rotate", secretName, "--step", "setSecret", "--version-id", versionId);
      const cancelled = await read(secretName, "ACSPending");
      clockOffset = 0;
      const outcome = await succeeds("cancel", secretName, "--json");
      expect(JSON.parse(outcome)).toEqual({ secretName, cancelledVersionId: versionId });
      return cancelled;
    }

    it.each([
      ["the first rotation (the alternate was just created)", 0],
      ["a later rotation (the alternate was ACSPrevious)", 1],
    ])("rotates after %s was cancelled past its setSecret", async (_which, rotations) => {
      // Prepare
      clockOffset = HOURS_AGO;
      let secretName: string;
      let cancelled: DatabaseSecretValue;
      try {
        secretName = await dualSecret(rotations);
        cancelled = await cancelAfterSetSecret(secretName);
      } finally {
        clockOffset = 0;
      }
      const before = await read(secretName);
      expect(await canLogin(target(), cancelled.AccountName, cancelled.AccountPassword)).toBe(true);

      // Act
      const run = await rotor("rotate", secretName, "--json");

      // Assess
      expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
      expect(JSON.parse(run.out)).toMatchObject({ outcome: "rotated" });
      const current = await read(secretName);
      expect(current.AccountName).toBe(cancelled.AccountName);
      expect(current.AccountPassword).not.toBe(cancelled.AccountPassword);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(target(), before.AccountName, before.AccountPassword)).toBe(true);
      expect(await canLogin(target(), cancelled.AccountName, cancelled.AccountPassword)).toBe(
        false,
      );
      expect(run.out + run.err).not.toContain(cancelled.AccountPassword);
    });

    it("single-user: refuses to cancel after setSecret, since ACSCurrent no longer logs in", async () => {
      // Prepare: the account's one password is already the pending one.
      const value = await createApplicationAccount(target());
      const secretName = `after-cancel/${engine}/single-${randomUUID().slice(0, 8)}`;
      clockOffset = HOURS_AGO;
      try {
        await kms.createSecret({
          secretName,
          versionId: "v0",
          secretData: JSON.stringify(value),
          tags: [{ key: "rotor:rotator", value: engine }],
        });
        const created = await succeeds("rotate", secretName, "--step", "createSecret", "--json");
        const { versionId } = JSON.parse(created) as { versionId: string };
        await succeeds("rotate", secretName, "--step", "setSecret", "--version-id", versionId);
      } finally {
        clockOffset = 0;
      }
      const pending = await read(secretName, "ACSPending");

      // Act
      const cancel = await rotor("cancel", secretName);

      // Assess
      expect(cancel.code).toBe(1);
      expect(cancel.err).toContain(`Resume it with \`rotor rotate ${secretName}\``);
      expect((await read(secretName, "ACSPending")).AccountPassword).toBe(pending.AccountPassword);
      expect(await canLogin(target(), value.AccountName, pending.AccountPassword)).toBe(true);
    });

    it("still refuses an alternate whose password the cancelled version no longer holds", async () => {
      // Prepare: after the cancel, someone else sets the alternate's password.
      clockOffset = HOURS_AGO;
      let secretName: string;
      let cancelled: DatabaseSecretValue;
      try {
        secretName = await dualSecret(1);
        cancelled = await cancelAfterSetSecret(secretName);
      } finally {
        clockOffset = 0;
      }
      const outsider = `Other-${randomUUID()}`;
      await asAdmin(target(), (query) =>
        query(
          engine === "mysql"
            ? `ALTER USER '${cancelled.AccountName}'@'%' IDENTIFIED BY '${outsider}'`
            : `ALTER ROLE ${cancelled.AccountName} PASSWORD '${outsider}'`,
        ),
      );

      // Act
      const run = await rotor("rotate", secretName, "--json");

      // Assess
      expect(run.code).toBe(1);
      expect(run.err).toContain(`account ${JSON.stringify(cancelled.AccountName)} exists`);
      expect(await canLogin(target(), cancelled.AccountName, outsider)).toBe(true);
    });
  });
}

/**
 * Where the database rotators send a master's login and whose password they
 * change, on real servers: a master secret must name the server it belongs
 * to and be under the deployment's prefixes; an alternate account that
 * already exists changes only when the secret holds one of its passwords.
 * Legitimate pairs keep rotating: a pre-created pair whose second account
 * is stored as ACSPrevious, and the turn after an emergency rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError, ValidationError } from "../../../../src/cloud-api/errors.ts";
import {
  CredentialNotProvenError,
  TargetMismatchError,
} from "../../../../src/core/contract/trust-boundary-errors.ts";
import { deployPolicyWith } from "../../../support/deploy-policies.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import {
  asAdmin,
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";

const servers = [
  { engine: "mysql" as const, skip: skipUnlessMariaDb() },
  { engine: "postgres" as const, skip: await skipUnlessPostgres() },
];

for (const { engine, skip } of servers) {
  describe.skipIf(skip)(`${engine}: master secrets and account pairs`, () => {
    let server: RunningMariaDb | RunningPostgres;
    let setup: DatabaseRotationSetup;
    const target = () => ({ engine, server }) as TestServer;

    beforeAll(async () => {
      [server, setup] = await Promise.all([
        engine === "mysql" ? startMariaDb() : startPostgres(),
        startDatabaseRotationSetup(),
      ]);
    });
    afterAll(async () => {
      await setup?.close();
      await server?.stop();
    });

    const versionsOf = async (secretName: string) =>
      (await setup.kms.listSecretVersionIds({ secretName, includeDeprecated: true })).versions;

    it("refuses a master secret that does not name its server, showing the shape; nothing changes", async () => {
      // Prepare: a master secret as written before masters carried their server.
      const master = `master-${uniqueSuffix()}`;
      await setup.kms.createSecret({
        secretName: master,
        versionId: "v0",
        secretData: JSON.stringify({
          AccountName: server.adminUser,
          AccountPassword: server.adminPassword,
        }),
      });
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-bare-master`, value);

      // Act
      const failure = await setup
        .engine()
        .rotate({ secretName })
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(ValidationError);
      const message = (failure as Error).message;
      expect(message).toMatch(/engine: .*host: .*port: /);
      expect(message).toContain('"host":"…","port":3306');
      expect(message).not.toContain(server.adminPassword);
      expect(await canLogin(target(), value.AccountName, value.AccountPassword)).toBe(true);
    });

    it("refuses a secret on another port than its master's before any login", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`, {
        port: server.port + 1,
      });
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-other-port`, value);
      const calls: string[] = [];

      // Act
      const failure = await setup
        .engine({ beforeExternalCall: (call) => void calls.push(call.name) })
        .rotate({ secretName })
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(TargetMismatchError);
      expect((failure as Error).message).toContain("(port differs)");
      expect(calls.filter((name) => name.endsWith(".login"))).toEqual([]);
      expect(await canLogin(target(), value.AccountName, value.AccountPassword)).toBe(true);
    });

    it("reads no master secret outside ROTOR_MASTER_SECRET_PREFIXES", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `other-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-prefix`, value);
      const policy = deployPolicyWith({
        masterSecretPrefixes: { any: false, values: ["rotor-master/"] },
      });

      // Act
      const attempt = setup.engine({ policy }).rotate({ secretName });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(PolicyError);
      await expect(attempt).rejects.toThrow(/ROTOR_MASTER_SECRET_PREFIXES: rotor-master\//);
    });

    it("changes no existing account a suffix names as the alternate", async () => {
      // Prepare: the writer holds `<victim>_q` and asks for the suffix `_q`,
      // which makes the victim `<victim>_q`'s alternate.
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const victim = await createApplicationAccount(target(), { prefix: "victim" });
      const own = await createApplicationAccount(target(), { masterSecret: master });
      const ownName = `${victim.AccountName}_q`;
      await asAdmin(target(), async (query) => {
        await query(
          engine === "mysql"
            ? `RENAME USER '${own.AccountName}'@'%' TO '${ownName}'@'%'`
            : `ALTER ROLE ${own.AccountName} RENAME TO ${ownName}`,
        );
        if (engine === "postgres") {
          // Renaming a role clears its MD5 password; SCRAM survives. Set it again to be sure.
          await query(`ALTER ROLE ${ownName} PASSWORD '${own.AccountPassword}'`);
        }
      });
      const secretName = await setup.createSecret(`${engine}-suffix`, {
        ...own,
        AccountName: ownName,
        alternateSuffix: "_q",
      });

      // Act
      const failure = await setup
        .engine()
        .rotate({ secretName })
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(CredentialNotProvenError);
      expect((failure as Error).message).toContain(`account "${victim.AccountName}" exists`);
      expect(await canLogin(target(), victim.AccountName, victim.AccountPassword)).toBe(true);
    });

    it("rotates a pre-created pair whose second account is stored as ACSPrevious, taking turns", async () => {
      // Prepare: both accounts exist; the secret holds the second, then the first on top.
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const first = await createApplicationAccount(target(), { masterSecret: master });
      const second = await createApplicationAccount(target(), { masterSecret: master });
      const accounts: [string, string] = [first.AccountName, second.AccountName];
      const secretName = await setup.createSecret(`${engine}-pair`, { ...second, accounts });
      await setup.kms.putSecretValue({
        secretName,
        versionId: `v1-${uniqueSuffix()}`,
        secretData: JSON.stringify({ ...first, accounts }),
      });

      // Act
      await setup.engine().rotate({ secretName });
      const afterOne = await setup.read(secretName);
      await setup.engine().rotate({ secretName });
      const afterTwo = await setup.read(secretName);

      // Assess
      expect(afterOne.AccountName).toBe(second.AccountName);
      expect(afterTwo.AccountName).toBe(first.AccountName);
      expect(await canLogin(target(), afterTwo.AccountName, afterTwo.AccountPassword)).toBe(true);
      expect(await canLogin(target(), afterOne.AccountName, afterOne.AccountPassword)).toBe(true);
    });

    it("refuses a pre-created pair whose second account the secret holds no password of", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const first = await createApplicationAccount(target(), { masterSecret: master });
      const second = await createApplicationAccount(target());
      const secretName = await setup.createSecret(`${engine}-bare-pair`, {
        ...first,
        accounts: [first.AccountName, second.AccountName],
      });
      const before = await versionsOf(secretName);

      // Act
      const failure = await setup
        .engine()
        .rotate({ secretName })
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(CredentialNotProvenError);
      expect(await canLogin(target(), second.AccountName, second.AccountPassword)).toBe(true);
      expect(
        (await versionsOf(secretName)).filter((v) => v.versionStages.includes("ACSCurrent")),
      ).toEqual(before.filter((v) => v.versionStages.includes("ACSCurrent")));
    });

    it("after an emergency rotation, the next rotation proves the leaked account and takes its turn", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const value = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`${engine}-after-emergency`, value);
      await setup.engine().rotate({ secretName });
      const leaked = await setup.read(secretName);
      await setup.engine().rotate({ secretName, emergency: true });

      // Act
      const result = await setup.engine().rotate({ secretName });

      // Assess
      expect(result.outcome).toBe("rotated");
      const current = await setup.read(secretName);
      const previous = await setup.read(secretName, "ACSPrevious");
      expect(current.AccountName).toBe(leaked.AccountName);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(target(), previous.AccountName, previous.AccountPassword)).toBe(true);
      expect(await canLogin(target(), leaked.AccountName, leaked.AccountPassword)).toBe(false);
    });
  });
}

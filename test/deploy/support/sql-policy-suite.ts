/**
 * The policy proof every SQL rotator's template must pass against its real
 * server (MariaDB for rotate-mysql, PostgreSQL for rotate-postgres): the
 * function, running as a role with only templates/rotate-<engine>/policy.json
 * (rendered with no RDS instance: no rds:* right at all), rotates a
 * dual-account secret under `rotor/<engine>/` reading its master secret
 * from `rotor-master/<engine>/`; without any one action a rotation calls it
 * meets Forbidden.NoPermission for that very action; the other engine's
 * secrets and master secrets, and names outside `rotor/` and
 * `rotor-master/`, are refused. The rds:* statement serves secrets naming a
 * DBInstanceId only: rds-policy.test.ts proves it. The function's own
 * limits (ROTOR_SECRET_PREFIXES, ROTOR_MASTER_SECRET_PREFIXES) are left
 * unset, so every refusal here is RAM's.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "../../core/rotators/database/database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "../../core/rotators/database/database-rotation-setup.ts";
import { invokeForOutcome } from "./invoke-for-outcome.ts";
import {
  actionsARotationCalls,
  DENIED,
  deployAsRole,
  type PolicyDocument,
  renderedPolicy,
  withoutAction,
} from "./policy-proof.ts";

export interface SqlPolicyTarget {
  /** The rotator: functions/rotate-<engine> and templates/rotate-<engine>/policy.json. */
  engine: TestServer["engine"];
  /** The other SQL rotator, whose secrets and master secrets this one's role must not read. */
  otherEngine: TestServer["engine"];
  /** The describe block's title. */
  title: string;
  /** True to skip (the server is missing and CI is not set). */
  skip: boolean;
  startServer(): Promise<TestServer["server"]>;
}

/** Starts the server and a local cloud, and registers the policy proof as one describe block. */
export function describeSqlRotatorPolicy(target: SqlPolicyTarget): void {
  const entry = `rotate-${target.engine}`;

  describe.skipIf(target.skip)(target.title, () => {
    let server: TestServer["server"];
    let setup: DatabaseRotationSetup;
    let policy: PolicyDocument;
    const testServer = () => ({ engine: target.engine, server }) as TestServer;

    beforeAll(async () => {
      [server, setup] = await Promise.all([target.startServer(), startDatabaseRotationSetup()]);
      policy = await renderedPolicy(entry);
    });
    afterAll(async () => {
      await setup?.close();
      await server?.stop();
    });

    async function deploy(document: PolicyDocument): Promise<string> {
      const functionName = `${entry}-${uniqueSuffix()}`;
      await deployAsRole(setup.cloud, { entry, functionName, policy: document });
      return functionName;
    }

    const ownMaster = () => `rotor-master/${target.engine}/${uniqueSuffix()}`;

    async function newSecret(masterName: string, prefix = `rotor/${target.engine}/app`) {
      const master = await createMasterSecret(setup.kms, testServer(), masterName);
      const initial = await createApplicationAccount(testServer(), { masterSecret: master });
      const secretName = await setup.createSecret(prefix, initial);
      return { secretName, initial };
    }

    it("lets the function rotate a dual-account secret", async () => {
      // Prepare
      const functionName = await deploy(policy);
      const { secretName, initial } = await newSecret(ownMaster());

      // Act
      const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
      const current = await setup.read(secretName);
      expect(current.AccountName).toBe(`${initial.AccountName}_rt`);
      expect(current.AccountPassword).not.toBe(initial.AccountPassword);
      expect(await canLogin(testServer(), current.AccountName, current.AccountPassword)).toBe(true);
    });

    it.each([
      ["the other engine's secret", () => `rotor/${target.otherEngine}/app`],
      ["a secret outside rotor/", () => `app/${target.engine}`],
    ])("refuses %s", async (_what, prefix) => {
      // Prepare
      const functionName = await deploy(policy);
      const { secretName, initial } = await newSecret(ownMaster(), prefix());

      // Act
      const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
      expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
    });

    it.each([
      [
        "the other engine's master secret",
        () => `rotor-master/${target.otherEngine}/${uniqueSuffix()}`,
      ],
      ["a master secret outside rotor-master/", () => `om/${randomBytes(2).toString("hex")}`],
    ])("refuses %s", async (_what, masterName) => {
      // Prepare
      const functionName = await deploy(policy);
      const { secretName, initial } = await newSecret(masterName());

      // Act
      const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
      expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
      expect(await canLogin(testServer(), initial.AccountName, initial.AccountPassword)).toBe(true);
    });

    it("needs every action a rotation calls", async () => {
      const overSql = actionsARotationCalls(policy).filter((action) => !action.startsWith("rds:"));
      for (const action of overSql) {
        // Prepare
        const functionName = await deploy(withoutAction(policy, action));
        const { secretName, initial } = await newSecret(ownMaster());

        // Act
        const outcome = await invokeForOutcome(setup.cloud, functionName, {
          SecretName: secretName,
        });

        // Assess: refused for the very action taken out
        expect(outcome, `without ${action}`).toMatchObject({
          ok: false,
          errorMessage: expect.stringMatching(DENIED),
        });
        expect(outcome).toMatchObject({ errorMessage: expect.stringContaining(`do ${action} on`) });
        expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
      }
    });
  });
}

/**
 * The RDS statements of templates/rotate-mysql/policy.json and
 * templates/rotate-postgres/policy.json are sufficient and minimal: each
 * function, running as a role with only its policy rendered for one
 * instance (ROTOR_RDS_INSTANCES, as `rotor policy` does), rotates secrets
 * naming that DBInstanceId of the local cloud's RDS product (a real MariaDB
 * or PostgreSQL behind it) in dual-account mode (twice: the first rotation
 * creates and grants the alternate, the second resets the original
 * account's password) and in single-user mode; without any one action those
 * rotations call it meets Forbidden.NoPermission for that action; a secret
 * naming another instance is refused, every one is when the policy is
 * rendered with no instance, and a secret outside `rotor/<engine>/` is
 * refused. The function itself is deployed allowing every instance
 * (ROTOR_RDS_INSTANCES=*), so each refusal here is RAM's.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RdsClient } from "../../src/cloud-api/rds-client.ts";
import type { DatabaseSecretValue } from "../../src/core/rotators/database/database-secret-value.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb } from "../support/mariadb.ts";
import { skipUnlessPostgres } from "../support/postgres.ts";
import { type InvocationOutcome, invokeForOutcome } from "./support/invoke-for-outcome.ts";
import {
  actionsARotationCalls,
  actionsOf,
  DENIED,
  deployAsRole,
  type PolicyDocument,
  renderedPolicy,
  withoutAction,
} from "./support/policy-proof.ts";
import { type RdsPolicyBackend, startRdsPolicyBackend } from "./support/rds-policy-backends.ts";

/** Each case rotates on a real server through the local FC, some twice: generous. */
const TIMEOUT = 120_000;

const backends = [
  { engine: "mysql" as const, server: "MariaDB", idPrefix: "rm-", skip: skipUnlessMariaDb() },
  {
    engine: "postgres" as const,
    server: "PostgreSQL",
    idPrefix: "pgm-",
    skip: await skipUnlessPostgres(),
  },
];

for (const { engine, server, idPrefix, skip } of backends) {
  describe.skipIf(skip)(`the ${engine} rotator's RAM policy over RDS (${server})`, () => {
    const entry = `rotate-${engine}`;
    let backend: RdsPolicyBackend;
    let cloud: TestCloud;
    let policy: PolicyDocument;
    // Two DBInstanceIds in front of the same server: one inside a narrowed statement, one outside.
    const instanceId = `${idPrefix}policy${randomBytes(4).toString("hex")}`;
    const otherInstanceId = `${idPrefix}other${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      backend = await startRdsPolicyBackend(engine);
      cloud = await startTestCloud({
        inMemory: true,
        rdsInstances: { [instanceId]: backend.instance, [otherInstanceId]: backend.instance },
      });
      policy = await renderedPolicy(entry, { ROTOR_RDS_INSTANCES: instanceId });
    });
    afterAll(async () => {
      await cloud?.close();
      await backend?.stop();
    });

    async function deploy(document: PolicyDocument): Promise<string> {
      const functionName = `${entry}-rds-${randomUUID().slice(0, 8)}`;
      // The deployment lists both instances: the RAM policy alone decides between them here.
      await deployAsRole(cloud, {
        entry,
        functionName,
        policy: document,
        environment: { ROTOR_RDS_INSTANCES: `${instanceId},${otherInstanceId}` },
      });
      return functionName;
    }

    /** An account made the RDS way (as root), with the engine's privilege on a database of its own, stored as a secret. */
    async function newSecret(options: {
      mode: "dual" | "single";
      instance?: string;
      prefix?: string;
    }): Promise<{ secretName: string; initial: DatabaseSecretValue & { database: string } }> {
      const rds = new RdsClient({
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        region: cloud.region,
      });
      const suffix = randomBytes(4).toString("hex");
      const database = await backend.createDatabase();
      const initial = {
        AccountName: `app_${suffix}`,
        AccountPassword: `Rds-${randomBytes(10).toString("hex")}A`,
        engine,
        host: backend.instance.host,
        port: backend.instance.port,
        database,
        DBInstanceId: options.instance ?? instanceId,
        mode: options.mode,
      };
      await rds.createAccount({
        dbInstanceId: instanceId,
        accountName: initial.AccountName,
        accountPassword: initial.AccountPassword,
      });
      await rds.grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName: initial.AccountName,
        grants: [{ dbName: database, privilege: backend.privilege }],
      });
      const secretName = `${options.prefix ?? `rotor/${engine}/rds`}-${suffix}`;
      await cloud.kms.createSecret({
        secretName,
        versionId: `v0-${suffix}`,
        secretData: JSON.stringify(initial),
        tags: [{ key: "rotor:rotator", value: engine }],
      });
      return { secretName, initial };
    }

    /** Logs in as the value's account, with the value's password, to the database it names. */
    const canLogin = (value: DatabaseSecretValue) =>
      backend.canLogin(value.AccountName, value.AccountPassword, value.database ?? "");

    async function current(secretName: string): Promise<DatabaseSecretValue> {
      const version = await cloud.kms.getSecretValue({ secretName });
      return JSON.parse(version.secretData) as DatabaseSecretValue;
    }

    /**
     * Two dual-account rotations: together they call every RDS action (the
     * first DescribeAccounts, CreateAccount and GrantAccountPrivilege, the
     * second ResetAccountPassword). The first refusal, or the last outcome.
     */
    async function rotateTwice(functionName: string, secretName: string) {
      const first = await invokeForOutcome(cloud, functionName, { SecretName: secretName });
      if (!first.ok) return first;
      return invokeForOutcome(cloud, functionName, { SecretName: secretName });
    }

    const rotated = (outcome: InvocationOutcome) =>
      expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const denied = (outcome: InvocationOutcome, why: string) =>
      expect(outcome, why).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });

    it(
      "lets the function rotate a dual-account secret twice and a single-user secret",
      async () => {
        // Prepare
        const functionName = await deploy(policy);
        const dual = await newSecret({ mode: "dual" });
        const single = await newSecret({ mode: "single" });

        // Act
        const dualOutcome = await rotateTwice(functionName, dual.secretName);
        const singleOutcome = await invokeForOutcome(cloud, functionName, {
          SecretName: single.secretName,
        });

        // Assess
        rotated(dualOutcome);
        rotated(singleOutcome);
        const dualNow = await current(dual.secretName);
        expect(dualNow.AccountName).toBe(dual.initial.AccountName);
        expect(dualNow.AccountPassword).not.toBe(dual.initial.AccountPassword);
        expect(await canLogin(dualNow)).toBe(true);
        const singleNow = await current(single.secretName);
        expect(singleNow.AccountPassword).not.toBe(single.initial.AccountPassword);
        expect(await canLogin(singleNow)).toBe(true);
        expect(await canLogin(single.initial)).toBe(false);
      },
      TIMEOUT,
    );

    it(
      "refuses a secret naming an instance the policy was not rendered for; the account keeps its password",
      async () => {
        // Prepare
        const functionName = await deploy(policy);
        const inside = await newSecret({ mode: "single" });
        const outside = await newSecret({ mode: "single", instance: otherInstanceId });

        // Act
        const insideOutcome = await invokeForOutcome(cloud, functionName, {
          SecretName: inside.secretName,
        });
        const outsideOutcome = await invokeForOutcome(cloud, functionName, {
          SecretName: outside.secretName,
        });

        // Assess
        rotated(insideOutcome);
        denied(outsideOutcome, `a secret naming ${otherInstanceId}`);
        expect(outsideOutcome).toMatchObject({
          errorMessage: expect.stringContaining(`dbinstance/${otherInstanceId}`),
        });
        expect((await current(outside.secretName)).AccountPassword).toBe(
          outside.initial.AccountPassword,
        );
        expect(await canLogin(outside.initial)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "rendered with no instance, grants no RDS right: every secret naming a DBInstanceId is refused",
      async () => {
        // Prepare
        const noInstance = await renderedPolicy(entry);
        const functionName = await deploy(noInstance);
        const { secretName, initial } = await newSecret({ mode: "single" });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(actionsOf(noInstance).filter((action) => action.startsWith("rds:"))).toEqual([]);
        denied(outcome, "a policy rendered with no instance");
        expect(await canLogin(initial)).toBe(true);
      },
      TIMEOUT,
    );

    it.each([
      ["another kind's secret", "rotor/generic/rds"],
      ["a secret outside rotor/", `app/${engine}-rds`],
    ])(
      "refuses %s",
      async (_what, prefix) => {
        // Prepare
        const functionName = await deploy(policy);
        const { secretName, initial } = await newSecret({ mode: "single", prefix });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        denied(outcome, prefix);
        expect(await canLogin(initial)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "needs every action a rotation over RDS calls",
      async () => {
        // The master secret's statement serves the SQL path only (<engine>-policy.test.ts): over RDS the
        // function's own RAM identity changes the accounts. kms:GetSecretValue is still needed, on rotor/.
        for (const action of actionsARotationCalls(policy)) {
          // Prepare
          const functionName = await deploy(withoutAction(policy, action));
          const { secretName } = await newSecret({ mode: "dual" });

          // Act
          const outcome = await rotateTwice(functionName, secretName);

          // Assess: refused for the very action taken out
          denied(outcome, `without ${action}`);
          expect(outcome).toMatchObject({
            errorMessage: expect.stringContaining(`do ${action} on`),
          });
        }
      },
      TIMEOUT,
    );
  });
}

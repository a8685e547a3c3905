/**
 * The PolarDB statements of templates/rotate-mysql/policy.json and
 * templates/rotate-postgres/policy.json are sufficient and minimal: each
 * function, running as a role with only its policy rendered for one cluster
 * (ROTOR_POLARDB_CLUSTERS, as `rotor policy` does), rotates secrets naming
 * that DBClusterId of the local cloud's PolarDB product (a real MariaDB
 * behind a PolarDB for MySQL cluster, a real PostgreSQL behind a PolarDB
 * for PostgreSQL one) in dual-account and single-user mode; without any one
 * action those rotations call it meets Forbidden.NoPermission for that
 * action; a secret naming another cluster is refused, and every one is when
 * the policy is rendered for RDS instances only. The function itself is
 * deployed allowing every cluster (ROTOR_POLARDB_CLUSTERS=*), so each
 * refusal here is RAM's.
 *
 * The dual-account rotations that call every action: on PolarDB for MySQL
 * two rotations (the first describes the accounts, creates the alternate
 * and grants it the current account's privileges; the second sets a
 * password); on PolarDB for PostgreSQL, a pre-created pair, a rotation, an
 * emergency and a rotation (the last describes the accounts: the leaked
 * account no longer logs in with ACSPrevious's password).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
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

/** Each case rotates on a real server through the local FC, some several times: generous. */
const TIMEOUT = 180_000;

const backends = [
  { engine: "mysql" as const, edition: "MySQL" as const, skip: skipUnlessMariaDb() },
  { engine: "postgres" as const, edition: "PostgreSQL" as const, skip: await skipUnlessPostgres() },
];

for (const { engine, edition, skip } of backends) {
  describe.skipIf(skip)(`the ${engine} rotator's RAM policy over PolarDB for ${edition}`, () => {
    const entry = `rotate-${engine}`;
    let backend: RdsPolicyBackend;
    let cloud: TestCloud;
    let polardb: PolarDbClient;
    let policy: PolicyDocument;
    // Two DBClusterIds in front of the same server: one inside the rendered statement, one outside.
    const clusterId = `pc-policy${randomBytes(4).toString("hex")}`;
    const otherClusterId = `pc-other${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      backend = await startRdsPolicyBackend(engine);
      const cluster = { ...backend.instance, engine: edition };
      cloud = await startTestCloud({
        inMemory: true,
        polardbClusters: { [clusterId]: cluster, [otherClusterId]: cluster },
      });
      polardb = new PolarDbClient({
        endpoint: cloud.endpoint,
        credentials: cloud.credentials,
        region: cloud.region,
      });
      policy = await renderedPolicy(entry, { ROTOR_POLARDB_CLUSTERS: clusterId });
    }, 180_000);
    afterAll(async () => {
      await cloud?.close();
      await backend?.stop();
    });

    async function deploy(document: PolicyDocument): Promise<string> {
      const functionName = `${entry}-polardb-${randomUUID().slice(0, 8)}`;
      // The deployment lists both clusters: the RAM policy alone decides between them here.
      await deployAsRole(cloud, {
        entry,
        functionName,
        policy: document,
        environment: { ROTOR_POLARDB_CLUSTERS: "*" },
      });
      return functionName;
    }

    /**
     * A new application on the cluster, stored as a secret: one account made
     * the PolarDB way (MySQL: with ReadWrite on a database of its own), or
     * for a PostgreSQL pair two accounts sharing a group role, the second
     * stored first so ACSPrevious holds its password.
     */
    async function newSecret(options: {
      mode: "dual" | "single";
      cluster?: string;
    }): Promise<{ secretName: string; initial: DatabaseSecretValue & { database: string } }> {
      const suffix = randomBytes(4).toString("hex");
      const database = await backend.createDatabase();
      const pair = options.mode === "dual" && engine === "postgres";
      const accounts = (pair ? ["a", "b"] : ["a"]).map((tail) => ({
        AccountName: `app_${suffix}${tail}`,
        AccountPassword: `Pc-${randomBytes(10).toString("hex")}A`,
      }));
      for (const account of accounts) {
        await polardb.createAccount({
          dbClusterId: clusterId,
          accountName: account.AccountName,
          accountPassword: account.AccountPassword,
          ...(engine === "mysql"
            ? { grants: [{ dbName: database, privilege: "ReadWrite" as const }] }
            : {}),
        });
      }
      if (engine === "postgres") {
        const group = `grp_${suffix}`;
        await backend.runAsAdmin(database, `CREATE ROLE ${group} NOLOGIN`);
        await backend.runAsAdmin(database, `GRANT ALL ON TABLE items TO ${group}`);
        await backend.runAsAdmin(
          database,
          `GRANT ${group} TO ${accounts.map((account) => account.AccountName).join(", ")}`,
        );
      }
      const [first, second] = accounts as [(typeof accounts)[0], (typeof accounts)[0] | undefined];
      const initial = {
        ...first,
        engine,
        host: backend.instance.host,
        port: backend.instance.port,
        database,
        DBClusterId: options.cluster ?? clusterId,
        mode: options.mode,
        ...(second
          ? { accounts: [first.AccountName, second.AccountName] as [string, string] }
          : {}),
      };
      const secretName = `rotor/${engine}/polardb-${suffix}`;
      const versions = second ? [{ ...initial, ...second }, initial] : [initial];
      for (const [index, version] of versions.entries()) {
        const write = {
          secretName,
          versionId: `v${index}-${suffix}`,
          secretData: JSON.stringify(version),
        };
        if (index === 0) {
          await cloud.kms.createSecret({
            ...write,
            tags: [{ key: "rotor:rotator", value: engine }],
          });
        } else {
          await cloud.kms.putSecretValue(write);
        }
      }
      return { secretName, initial };
    }

    const canLogin = (value: DatabaseSecretValue) =>
      backend.canLogin(value.AccountName, value.AccountPassword, value.database ?? "");

    async function current(secretName: string): Promise<DatabaseSecretValue> {
      const version = await cloud.kms.getSecretValue({ secretName });
      return JSON.parse(version.secretData) as DatabaseSecretValue;
    }

    /** The dual-account rotations that call every PolarDB action; the first refusal, or the last outcome. */
    async function rotateThroughEveryAction(functionName: string, secretName: string) {
      const events =
        engine === "mysql"
          ? [{ SecretName: secretName }, { SecretName: secretName }]
          : [
              { SecretName: secretName },
              { SecretName: secretName, Emergency: true },
              { SecretName: secretName },
            ];
      let outcome: InvocationOutcome | undefined;
      for (const event of events) {
        outcome = await invokeForOutcome(cloud, functionName, event);
        if (!outcome.ok) return outcome;
      }
      return outcome as InvocationOutcome;
    }

    const rotated = (outcome: InvocationOutcome) =>
      expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const denied = (outcome: InvocationOutcome, why: string) =>
      expect(outcome, why).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });

    it(
      "lets the function rotate a dual-account secret through every PolarDB action, and a single-user secret",
      async () => {
        // Prepare
        const functionName = await deploy(policy);
        const dual = await newSecret({ mode: "dual" });
        const single = await newSecret({ mode: "single" });

        // Act
        const dualOutcome = await rotateThroughEveryAction(functionName, dual.secretName);
        const singleOutcome = await invokeForOutcome(cloud, functionName, {
          SecretName: single.secretName,
        });

        // Assess
        rotated(dualOutcome);
        rotated(singleOutcome);
        const dualNow = await current(dual.secretName);
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
      "refuses a secret naming a cluster the policy was not rendered for; the account keeps its password",
      async () => {
        // Prepare
        const functionName = await deploy(policy);
        const outside = await newSecret({ mode: "single", cluster: otherClusterId });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, {
          SecretName: outside.secretName,
        });

        // Assess
        denied(outcome, `a secret naming ${otherClusterId}`);
        expect(outcome).toMatchObject({
          errorMessage: expect.stringContaining(`dbcluster/${otherClusterId}`),
        });
        expect(await canLogin(outside.initial)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "rendered for RDS instances only, grants no PolarDB right: every secret naming a DBClusterId is refused",
      async () => {
        // Prepare
        const rdsOnly = await renderedPolicy(entry, { ROTOR_RDS_INSTANCES: "*" });
        const functionName = await deploy(rdsOnly);
        const { secretName, initial } = await newSecret({ mode: "single" });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(actionsOf(rdsOnly).filter((action) => action.startsWith("polardb:"))).toEqual([]);
        denied(outcome, "a policy rendered for RDS instances only");
        expect(await canLogin(initial)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "needs every action a rotation over PolarDB calls",
      async () => {
        // As over RDS, the master secret's statement serves the SQL path only: kms:GetSecretValue
        // is still needed, on rotor/.
        for (const action of actionsARotationCalls(policy)) {
          // Prepare
          const functionName = await deploy(withoutAction(policy, action));
          const { secretName } = await newSecret({ mode: "dual" });

          // Act
          const outcome = await rotateThroughEveryAction(functionName, secretName);

          // Assess: refused for the very action taken out
          denied(outcome, `without ${action}`);
          expect(outcome).toMatchObject({
            errorMessage: expect.stringContaining(`do ${action} on`),
          });
        }
      },
      TIMEOUT * 3,
    );
  });
}

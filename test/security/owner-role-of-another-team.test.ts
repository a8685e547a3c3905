/**
 * Attack: a secret's writer names another team's owner role. A RAM user
 * allowed only kms:GetSecretValue and kms:PutSecretValue on its team's
 * PostgreSQL secret writes `"ownerRole"` = team B's owner role (the role
 * that owns team B's tables) into it. A rotation that believed it would
 * make the writer's accounts members of that role and have their sessions
 * act as it: the writer would then alter and drop team B's tables. The
 * rotation function, sharing one master with team B (as its template's
 * role, then as root), must grant nothing, set nothing and create nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOwnerRoleAccounts,
  roleFacts,
  runAs,
  runAsAdmin,
} from "../core/rotators/database/postgres-owner-role-fixtures.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";

const ENTRY = "rotate-postgres";

describe.skipIf(await skipUnlessPostgres())(
  "a secret's writer names another team's owner role",
  () => {
    let cloud: TestCloud;
    let server: RunningPostgres;
    let masterSecret: string;

    beforeAll(async () => {
      [cloud, server] = await Promise.all([startTestCloud({ inMemory: true }), startPostgres()]);
      const { privileged } = await templatePrefixes(ENTRY);
      masterSecret = `${privileged}shared-${randomPart()}`;
      await cloud.kms.createSecret({
        secretName: masterSecret,
        versionId: "v0",
        secretData: JSON.stringify({
          AccountName: server.adminUser,
          AccountPassword: server.adminPassword,
          engine: "postgres",
          host: server.host,
          port: server.port,
        }),
      });
    });
    afterAll(async () => {
      await Promise.all([cloud?.close(), server?.stop()]);
    });

    for (const identity of FUNCTION_IDENTITIES) {
      it(`the function as ${identity} grants, sets and creates nothing`, async () => {
        // Prepare: team B's owner role owns its ledger; team A's secret, in dual mode, is the writer's.
        const teamB = await createOwnerRoleAccounts(server);
        await runAs(
          server,
          teamB.app.AccountName,
          teamB.app.AccountPassword,
          `SET role ${teamB.owner}; CREATE TABLE ${teamB.schema}.ledger (id int); INSERT INTO ${teamB.schema}.ledger VALUES (1)`,
        );
        const teamA = await createOwnerRoleAccounts(server, { ownerExists: false });
        const { rotated } = await templatePrefixes(ENTRY);
        const secretName = `${rotated}team-a/db-${randomPart()}`;
        const value = {
          ...teamA.app,
          engine: "postgres",
          host: server.host,
          port: server.port,
          database: server.database,
          masterSecret,
        };
        await cloud.kms.createSecret({
          secretName,
          versionId: "v0",
          secretData: JSON.stringify(value),
          tags: [{ key: "rotor:rotator", value: "postgres" }],
        });
        const attacker = await attackerWith(cloud, {
          Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
          Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
        });
        const functionName = await deployAs(cloud, {
          entry: ENTRY,
          identity,
          settings: { ROTOR_MASTER_SECRET_PREFIXES: masterSecret },
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({ ...value, ownerRole: teamB.owner }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome).toMatchObject({
          ok: false,
          errorType: "DatabaseRotationRefusedError",
          errorMessage: expect.stringMatching(/neither .* may act as it yet/),
        });
        expect(await roleFacts(server, teamA.app.AccountName)).toEqual({
          login: true,
          member_of: [],
          setting: null,
        });
        expect(await roleFacts(server, `${teamA.app.AccountName}_rt`)).toBeUndefined();
        const ledger = runAs(
          server,
          teamA.app.AccountName,
          teamA.app.AccountPassword,
          `SET role ${teamB.owner}; SELECT * FROM ${teamB.schema}.ledger`,
        );
        await expect(ledger).rejects.toThrow(/permission denied/);
        expect(
          await runAsAdmin(server, `SELECT count(*)::int AS n FROM ${teamB.schema}.ledger`),
        ).toEqual([{ n: 1 }]);
      });
    }
  },
);

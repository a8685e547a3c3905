/**
 * templates/rotate-postgres/policy.json is sufficient and minimal against a
 * real PostgreSQL: the rotate-postgres function, running as a role with only
 * that policy, rotates a dual-account secret (reading its master secret);
 * without any one action a rotation calls it meets Forbidden.NoPermission;
 * a secret outside `rotor/` and a master secret outside `rotor-master/` are
 * refused.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "../rotators/database/database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "../rotators/database/database-rotation-setup.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { invokeForOutcome } from "./support/invoke-for-outcome.ts";
import {
  actionsOf,
  deployAsRole,
  type PolicyDocument,
  templateJson,
  withoutAction,
} from "./support/policy-proof.ts";

const DENIED = /Forbidden\.NoPermission/;
/** Served only by the engine's recovery paths (see generic-policy.test.ts). */
const RECOVERY_ONLY = new Set(["kms:ListSecretVersionIds", "kms:TagResource", "kms:UntagResource"]);
/** The rds:* statement serves secrets naming a DBInstanceId only: proven in rds-policy.test.ts. */
const overSqlOnly = (action: string) => !RECOVERY_ONLY.has(action) && !action.startsWith("rds:");

describe.skipIf(await skipUnlessPostgres())("the PostgreSQL rotator's RAM policy", () => {
  let server: RunningPostgres;
  let setup: DatabaseRotationSetup;
  let policy: PolicyDocument;
  const target = (): TestServer => ({ engine: "postgres", server });

  beforeAll(async () => {
    [server, setup] = await Promise.all([startPostgres(), startDatabaseRotationSetup()]);
    policy = await templateJson<PolicyDocument>("rotate-postgres/policy.json");
  });
  afterAll(async () => {
    await setup?.close();
    await server?.stop();
  });

  async function deploy(document: PolicyDocument): Promise<string> {
    const functionName = `rotate-postgres-${uniqueSuffix()}`;
    await deployAsRole(setup.cloud, { entry: "rotate-postgres", functionName, policy: document });
    return functionName;
  }

  async function newSecret(masterName: string, prefix = "rotor/postgres") {
    const master = await createMasterSecret(setup.kms, target(), masterName);
    const initial = await createApplicationAccount(target(), { masterSecret: master });
    const secretName = await setup.createSecret(prefix, initial);
    return { secretName, initial };
  }

  it("lets the function rotate a dual-account secret", async () => {
    // Prepare
    const functionName = await deploy(policy);
    const { secretName, initial } = await newSecret(`rotor-master/${uniqueSuffix()}`);

    // Act
    const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const current = await setup.read(secretName);
    expect(current.AccountName).toBe(`${initial.AccountName}_rt`);
    expect(current.AccountPassword).not.toBe(initial.AccountPassword);
    expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
  });

  it("refuses a secret outside rotor/", async () => {
    // Prepare
    const functionName = await deploy(policy);
    const { secretName, initial } = await newSecret(`rotor-master/${uniqueSuffix()}`, "app/pg");

    // Act
    const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
  });

  it("refuses a master secret outside rotor-master/ (om/…)", async () => {
    // Prepare
    const functionName = await deploy(policy);
    // The refusal names the master secret, and the suite's leak scan counts every field of a
    // stored value (this name included) as secret from 8 characters: a 7-character name.
    const { secretName, initial } = await newSecret(`om/${randomBytes(2).toString("hex")}`);

    // Act
    const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

    // Assess
    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
    expect(await canLogin(target(), initial.AccountName, initial.AccountPassword)).toBe(true);
  });

  it("needs every action a rotation calls", async () => {
    for (const action of actionsOf(policy).filter(overSqlOnly)) {
      // Prepare
      const functionName = await deploy(withoutAction(policy, action));
      const { secretName, initial } = await newSecret(`rotor-master/${uniqueSuffix()}`);

      // Act
      const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

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

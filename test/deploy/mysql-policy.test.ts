/**
 * templates/rotate-mysql/policy.json is sufficient and minimal against a
 * real MariaDB: the rotate-mysql function, running as a role with only that
 * policy, rotates a dual-account secret (reading its master secret);
 * without any one action a rotation calls it meets Forbidden.NoPermission;
 * a master secret outside `rotor-master/` is refused.
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
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
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

describe.skipIf(skipUnlessMariaDb())("the MySQL rotator's RAM policy (MariaDB)", () => {
  let server: RunningMariaDb;
  let setup: DatabaseRotationSetup;
  let policy: PolicyDocument;
  const target = (): TestServer => ({ engine: "mysql", server });

  beforeAll(async () => {
    [server, setup] = await Promise.all([startMariaDb(), startDatabaseRotationSetup()]);
    policy = await templateJson<PolicyDocument>("rotate-mysql/policy.json");
  });
  afterAll(async () => {
    await setup?.close();
    await server?.stop();
  });

  async function deploy(document: PolicyDocument): Promise<string> {
    const functionName = `rotate-mysql-${uniqueSuffix()}`;
    await deployAsRole(setup.cloud, { entry: "rotate-mysql", functionName, policy: document });
    return functionName;
  }

  async function newSecret(masterName: string) {
    const master = await createMasterSecret(setup.kms, target(), masterName);
    const initial = await createApplicationAccount(target(), { masterSecret: master });
    const secretName = await setup.createSecret("rotor/mysql", initial);
    return { secretName, initial };
  }

  it("lets the function rotate a dual-account secret", async () => {
    const functionName = await deploy(policy);
    const { secretName, initial } = await newSecret(`rotor-master/${uniqueSuffix()}`);

    const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
    const current = await setup.read(secretName);
    expect(current.AccountPassword).not.toBe(initial.AccountPassword);
    expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
  });

  it("refuses a master secret outside rotor-master/ (om/…)", async () => {
    const functionName = await deploy(policy);
    // The refusal names the master secret, and the suite's leak scan counts every field of a
    // stored value (this name included) as secret from 8 characters: a 7-character name.
    const { secretName, initial } = await newSecret(`om/${randomBytes(2).toString("hex")}`);

    const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

    expect(outcome).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });
    expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
  });

  it("needs every action a rotation calls", async () => {
    for (const action of actionsOf(policy).filter(overSqlOnly)) {
      // Prepare
      const functionName = await deploy(withoutAction(policy, action));
      const { secretName } = await newSecret(`rotor-master/${uniqueSuffix()}`);

      // Act
      const outcome = await invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

      // Assess
      expect(outcome, `without ${action}`).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });
    }
  });
});

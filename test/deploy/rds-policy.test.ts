/**
 * The RDS statement of templates/rotate-mysql/policy.json is sufficient and
 * minimal: the rotate-mysql function, running as a role with only that
 * policy, rotates secrets naming a DBInstanceId of the local cloud's RDS
 * product (a real MariaDB behind it) in dual-account mode (twice: the first
 * rotation creates and grants the alternate, the second resets the original
 * account's password) and in single-user mode; without any one action those
 * rotations call it meets Forbidden.NoPermission; a statement narrowed to
 * one instance refuses a secret naming another, and a secret outside
 * `rotor/` is refused.
 */
import { randomBytes, randomUUID } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RdsClient } from "../../src/clients/rds-client.ts";
import type { DatabaseSecretValue } from "../../src/rotators/database/database-secret-value.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type InvocationOutcome, invokeForOutcome } from "./support/invoke-for-outcome.ts";
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

describe.skipIf(skipUnlessMariaDb())("the MySQL rotator's RAM policy over RDS (MariaDB)", () => {
  let mariaDb: RunningMariaDb;
  let cloud: TestCloud;
  let policy: PolicyDocument;
  // Two DBInstanceIds in front of the same MariaDB: one inside a narrowed statement, one outside.
  const instanceId = `rm-policy${randomBytes(4).toString("hex")}`;
  const otherInstanceId = `rm-other${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    mariaDb = await startMariaDb();
    const backend = {
      engine: "MySQL" as const,
      host: mariaDb.host,
      port: mariaDb.port,
      adminUser: mariaDb.adminUser,
      adminPassword: mariaDb.adminPassword,
    };
    cloud = await startTestCloud({
      inMemory: true,
      rdsInstances: { [instanceId]: backend, [otherInstanceId]: backend },
    });
    policy = await templateJson<PolicyDocument>("rotate-mysql/policy.json");
  });
  afterAll(async () => {
    await cloud?.close();
    await mariaDb?.stop();
  });

  async function deploy(document: PolicyDocument): Promise<string> {
    const functionName = `rotate-mysql-rds-${randomUUID().slice(0, 8)}`;
    await deployAsRole(cloud, {
      entry: "rotate-mysql",
      functionName,
      policy: document,
      roleKeysInEnvironment: true,
    });
    return functionName;
  }

  /** An account made the RDS way (as root), ReadWrite on a database of its own, stored as a secret. */
  async function newSecret(options: {
    mode: "dual" | "single";
    instance?: string;
    prefix?: string;
  }): Promise<{ secretName: string; initial: DatabaseSecretValue }> {
    const rds = new RdsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
    });
    const suffix = randomBytes(4).toString("hex");
    const database = `rds_${suffix}`;
    await asAdmin(`CREATE DATABASE ${database}`);
    const initial: DatabaseSecretValue = {
      AccountName: `app_${suffix}`,
      AccountPassword: `Rds-${randomBytes(10).toString("hex")}A`,
      engine: "mysql",
      host: mariaDb.host,
      port: mariaDb.port,
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
      grants: [{ dbName: database, privilege: "ReadWrite" }],
    });
    const secretName = `${options.prefix ?? "rotor/mysql-rds"}-${suffix}`;
    await cloud.kms.createSecret({
      secretName,
      versionId: `v0-${suffix}`,
      secretData: JSON.stringify(initial),
      tags: [{ key: "rotor:rotator", value: "mysql" }],
    });
    return { secretName, initial };
  }

  async function asAdmin(sql: string): Promise<void> {
    const connection = await mysql.createConnection({
      host: mariaDb.host,
      port: mariaDb.port,
      user: mariaDb.adminUser,
      password: mariaDb.adminPassword,
    });
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  }

  async function canLogin(account: string, password: string): Promise<boolean> {
    try {
      const connection = await mysql.createConnection({
        host: mariaDb.host,
        port: mariaDb.port,
        user: account,
        password,
      });
      await connection.end();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "ER_ACCESS_DENIED_ERROR") return false;
      throw error;
    }
  }

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

  /** The template with its RDS statement narrowed to `instance`, as its README suggests. */
  function narrowedTo(instance: string): PolicyDocument {
    return {
      ...policy,
      Statement: policy.Statement.map((statement) =>
        actionsOf({ ...policy, Statement: [statement] }).every((action) =>
          action.startsWith("rds:"),
        )
          ? { ...statement, Resource: `acs:rds:*:*:dbinstance/${instance}` }
          : statement,
      ),
    };
  }

  const rotated = (outcome: InvocationOutcome) =>
    expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
  const denied = (outcome: InvocationOutcome, why: string) =>
    expect(outcome, why).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });

  it("lets the function rotate a dual-account secret twice and a single-user secret", async () => {
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
    expect(await canLogin(dualNow.AccountName, dualNow.AccountPassword)).toBe(true);
    const singleNow = await current(single.secretName);
    expect(singleNow.AccountPassword).not.toBe(single.initial.AccountPassword);
    expect(await canLogin(singleNow.AccountName, singleNow.AccountPassword)).toBe(true);
    expect(await canLogin(single.initial.AccountName, single.initial.AccountPassword)).toBe(false);
  });

  it("narrowed to one instance, refuses a secret naming another; the account keeps its password", async () => {
    // Prepare
    const functionName = await deploy(narrowedTo(instanceId));
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
    expect(await canLogin(outside.initial.AccountName, outside.initial.AccountPassword)).toBe(true);
  });

  it("refuses a secret outside rotor/", async () => {
    // Prepare
    const functionName = await deploy(policy);
    const { secretName, initial } = await newSecret({ mode: "single", prefix: "app/mysql-rds" });

    // Act
    const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

    // Assess
    denied(outcome, "a secret outside rotor/");
    expect(await canLogin(initial.AccountName, initial.AccountPassword)).toBe(true);
  });

  it("needs every action a rotation over RDS calls", async () => {
    // The master secret's statement serves the SQL path only (mysql-policy.test.ts): over RDS the
    // function's own RAM identity changes the accounts. kms:GetSecretValue is still needed, on rotor/.
    for (const action of actionsOf(policy).filter((each) => !RECOVERY_ONLY.has(each))) {
      // Prepare
      const functionName = await deploy(withoutAction(policy, action));
      const { secretName } = await newSecret({ mode: "dual" });

      // Act
      const outcome = await rotateTwice(functionName, secretName);

      // Assess: refused for the very action taken out
      denied(outcome, `without ${action}`);
      expect(outcome).toMatchObject({ errorMessage: expect.stringContaining(`do ${action} on`) });
    }
  });
});

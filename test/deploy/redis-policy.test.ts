/**
 * templates/rotate-redis/policy.json is sufficient and minimal, in the
 * local cloud with real RAM checks and a real redis-server:
 *
 * - self-managed (rendered with no instance: no kvstore:* right at all):
 *   the function, as a role holding only the policy, rotates a
 *   dual-account secret under `rotor/redis/` reading its master secret
 *   from `rotor-master/redis/`; without any one action a rotation calls it
 *   meets Forbidden.NoPermission for that very action; other kinds'
 *   secrets and master secrets, and names outside `rotor/`, are refused.
 * - ApsaraDB for Redis/Tair (rendered for one instance,
 *   ROTOR_REDIS_INSTANCES, as `rotor policy` does): it rotates secrets
 *   naming that InstanceId in dual-account mode (twice, the current account
 *   gaining a privilege in between, so every R-kvstore action is called)
 *   and in single-user mode; without any one action those rotations meet
 *   Forbidden.NoPermission for it; a secret naming another instance is
 *   refused, and every one is when the policy is rendered with no instance.
 *
 * The function's own limits are left wide (prefixes unset,
 * ROTOR_REDIS_INSTANCES naming both instances), so each refusal here is
 * RAM's.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisSecretValue } from "../../src/core/rotators/redis/redis-secret-value.ts";
import {
  createApplicationUser,
  createMasterSecret,
  uniqueSuffix,
} from "../core/rotators/redis/redis-fixtures.ts";
import {
  type RedisRotationSetup,
  startRedisRotationSetup,
} from "../core/rotators/redis/redis-rotation-setup.ts";
import { kvstorePassword, redisBacking } from "../local-cloud/kvstore/local-kvstore-world.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";
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

const ENTRY = "rotate-redis";
/** Each case rotates on a real server through the local FC, some twice: generous. */
const TIMEOUT = 120_000;

const rotated = (outcome: InvocationOutcome) =>
  expect(outcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
const denied = (outcome: InvocationOutcome, why: string) =>
  expect(outcome, why).toMatchObject({ ok: false, errorMessage: expect.stringMatching(DENIED) });

describe.skipIf(skipUnlessRedis())("the Redis rotator's RAM policy", () => {
  let redis: RunningRedis;
  let setup: RedisRotationSetup;
  // Two InstanceIds in front of the same server: one inside a narrowed statement, one outside.
  const instanceId = `r-policy${randomBytes(4).toString("hex")}`;
  const otherInstanceId = `r-other${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    redis = await startRedis({ adminUser: "admin" });
    setup = await startRedisRotationSetup({
      redisInstances: {
        [instanceId]: redisBacking(redis),
        [otherInstanceId]: redisBacking(redis),
      },
    });
  });
  afterAll(async () => {
    await setup?.close();
    await redis?.stop();
  });

  async function deploy(document: PolicyDocument, environment: Record<string, string> = {}) {
    const functionName = `${ENTRY}-${uniqueSuffix()}`;
    await deployAsRole(setup.cloud, { entry: ENTRY, functionName, policy: document, environment });
    return functionName;
  }
  const invoke = (functionName: string, secretName: string) =>
    invokeForOutcome(setup.cloud, functionName, { SecretName: secretName });

  describe("on a self-managed server, through a master login", () => {
    let policy: PolicyDocument;
    beforeAll(async () => {
      policy = await renderedPolicy(ENTRY);
    });

    async function newSecret(
      masterName = `rotor-master/redis/${uniqueSuffix()}`,
      prefix = "rotor/redis/app",
    ) {
      const master = await createMasterSecret(setup.kms, redis, masterName);
      const initial = await createApplicationUser(redis, { masterSecret: master });
      return { secretName: await setup.createSecret(prefix, initial), initial };
    }

    it(
      "lets the function rotate a dual-account secret, with no R-kvstore right",
      async () => {
        // Prepare
        const functionName = await deploy(policy);
        const { secretName, initial } = await newSecret();

        // Act
        const outcome = await invoke(functionName, secretName);

        // Assess
        rotated(outcome);
        expect(actionsOf(policy).filter((action) => action.startsWith("kvstore:"))).toEqual([]);
        const current = await setup.read(secretName);
        expect(current.AccountName).toBe(`${initial.AccountName}_rt`);
        expect(await redis.canLogin(current.AccountName, current.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it.each([
      [
        "another kind's secret",
        () => "rotor/mysql/app",
        () => `rotor-master/redis/${uniqueSuffix()}`,
      ],
      ["a secret outside rotor/", () => "app/redis", () => `rotor-master/redis/${uniqueSuffix()}`],
      [
        "another kind's master secret",
        () => "rotor/redis/app",
        () => `rotor-master/mysql/${uniqueSuffix()}`,
      ],
      [
        "a master secret outside rotor-master/",
        () => "rotor/redis/app",
        () => `om/${uniqueSuffix()}`,
      ],
    ])(
      "refuses %s",
      async (_what, prefix, masterName) => {
        // Prepare
        const functionName = await deploy(policy);
        const { secretName, initial } = await newSecret(masterName(), prefix());

        // Act
        const outcome = await invoke(functionName, secretName);

        // Assess
        denied(outcome, _what);
        expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
        expect(await redis.canLogin(initial.AccountName, initial.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "needs every action a rotation calls",
      async () => {
        for (const action of actionsARotationCalls(policy)) {
          // Prepare
          const functionName = await deploy(withoutAction(policy, action));
          const { secretName, initial } = await newSecret();

          // Act
          const outcome = await invoke(functionName, secretName);

          // Assess: refused for the very action taken out
          denied(outcome, `without ${action}`);
          expect(outcome).toMatchObject({
            errorMessage: expect.stringContaining(`do ${action} on`),
          });
          expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
        }
      },
      TIMEOUT,
    );
  });

  describe("on ApsaraDB for Redis/Tair, through the R-kvstore API", () => {
    let policy: PolicyDocument;
    const bothInstances = { ROTOR_REDIS_INSTANCES: `${instanceId},${otherInstanceId}` };
    beforeAll(async () => {
      policy = await renderedPolicy(ENTRY, { ROTOR_REDIS_INSTANCES: instanceId });
    });

    /** An account made the ApsaraDB way (as root), read-only, stored as a secret naming `instance`. */
    async function newSecret(mode: "dual" | "single", instance = instanceId) {
      const initial: RedisSecretValue = {
        AccountName: `app_${randomBytes(4).toString("hex")}`,
        AccountPassword: kvstorePassword(),
        engine: "redis",
        host: redis.host,
        port: redis.port,
        InstanceId: instance,
        mode,
      };
      await setup.kvstore.createAccount({
        instanceId,
        accountName: initial.AccountName,
        accountPassword: initial.AccountPassword,
        accountPrivilege: "RoleReadOnly",
      });
      return { secretName: await setup.createSecret("rotor/redis/tair", initial), initial };
    }

    /**
     * Two dual-account rotations, the current account gaining read-write in
     * between: together they call every R-kvstore action (the first
     * DescribeDBInstanceNetInfo, DescribeAccounts and CreateAccount, the
     * second GrantAccountPrivilege and ResetAccountPassword). The first
     * refusal, or the last outcome.
     */
    async function rotateTwice(functionName: string, secretName: string) {
      const first = await invoke(functionName, secretName);
      if (!first.ok) return first;
      const current = await setup.read(secretName);
      await setup.kvstore.grantAccountPrivilege({
        instanceId,
        accountName: current.AccountName,
        accountPrivilege: "RoleReadWrite",
      });
      return invoke(functionName, secretName);
    }

    it(
      "lets the function rotate a dual-account secret twice and a single-user secret",
      async () => {
        // Prepare
        const functionName = await deploy(policy, bothInstances);
        const dual = await newSecret("dual");
        const single = await newSecret("single");

        // Act
        const dualOutcome = await rotateTwice(functionName, dual.secretName);
        const singleOutcome = await invoke(functionName, single.secretName);

        // Assess
        rotated(dualOutcome);
        rotated(singleOutcome);
        const dualNow = await setup.read(dual.secretName);
        expect(dualNow.AccountName).toBe(dual.initial.AccountName);
        expect(await redis.canLogin(dualNow.AccountName, dualNow.AccountPassword)).toBe(true);
        const { accounts } = await setup.kvstore.describeAccounts({
          instanceId,
          accountName: dualNow.AccountName,
        });
        expect(accounts[0]?.accountPrivilege).toBe("RoleReadWrite");
        const singleNow = await setup.read(single.secretName);
        expect(await redis.canLogin(singleNow.AccountName, singleNow.AccountPassword)).toBe(true);
        expect(
          await redis.canLogin(single.initial.AccountName, single.initial.AccountPassword),
        ).toBe(false);
      },
      TIMEOUT,
    );

    it(
      "refuses a secret naming an instance the policy was not rendered for; the account keeps its password",
      async () => {
        // Prepare
        const functionName = await deploy(policy, bothInstances);
        const outside = await newSecret("single", otherInstanceId);

        // Act
        const outcome = await invoke(functionName, outside.secretName);

        // Assess
        denied(outcome, `a secret naming ${otherInstanceId}`);
        expect(outcome).toMatchObject({
          errorMessage: expect.stringContaining(`instance/${otherInstanceId}`),
        });
        expect(
          await redis.canLogin(outside.initial.AccountName, outside.initial.AccountPassword),
        ).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "rendered with no instance, grants no R-kvstore right: every secret naming an InstanceId is refused",
      async () => {
        // Prepare
        const noInstance = await renderedPolicy(ENTRY);
        const functionName = await deploy(noInstance, bothInstances);
        const { secretName, initial } = await newSecret("single");

        // Act
        const outcome = await invoke(functionName, secretName);

        // Assess
        denied(outcome, "a policy rendered with no instance");
        expect(await redis.canLogin(initial.AccountName, initial.AccountPassword)).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "needs every action a rotation over R-kvstore calls",
      async () => {
        // The master secret's statement serves self-managed servers only: here the
        // function's own RAM identity changes the accounts.
        for (const action of actionsARotationCalls(policy)) {
          // Prepare
          const functionName = await deploy(withoutAction(policy, action), bothInstances);
          const { secretName } = await newSecret("dual");

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
});

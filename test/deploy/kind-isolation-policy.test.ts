/**
 * The templates keep each function to its own kind. Every template's policy
 * (rendered as `rotor policy` does, for every instance) becomes a real role
 * in the local cloud, and each role session tries every kind's secrets and
 * every function's master secrets: a rotation role reads and writes only
 * its kind's secrets under rotor/<kind>/ and reads only its own master
 * secrets (never writes them); the scheduler, on-failure and operator roles
 * read no value at all. Only the scheduler and the operator role may invoke
 * a rotation function: no rotation role, not on-failure, and not a team's
 * user allowed to write and tag its own secret.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessKeyCredentials } from "../../src/cloud-api/credentials.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type PolicyDocument, renderedPolicy, templateJson } from "./support/policy-proof.ts";

/** What each rotation function's role is meant to reach: its kind's secrets, its own master secrets. */
const ROTATION_ROLES = {
  "rotate-generic": { own: "rotor/generic/", masters: ["rotor-master/generic/"] },
  "rotate-mysql": { own: "rotor/mysql/", masters: ["rotor-master/mysql/"] },
  "rotate-postgres": { own: "rotor/postgres/", masters: ["rotor-master/postgres/"] },
  "rotate-redis": { own: "rotor/redis/", masters: ["rotor-master/redis/"] },
  "rotate-ram-access-key": { own: "rotor/ram-access-key/", masters: [] },
  "rotate-ecs-password": {
    own: "rotor/ecs-password/",
    masters: ["rotor-privileged/ecs-password/"],
  },
  "rotate-ecs-ssh-key": { own: "rotor/ecs-ssh-key/", masters: ["rotor-privileged/ecs-ssh-key/"] },
} as const;
/** Roles that never read a value. */
const VALUE_BLIND_ROLES = ["scheduler", "on-failure", "operator"] as const;
type RoleName = keyof typeof ROTATION_ROLES | (typeof VALUE_BLIND_ROLES)[number];

const KIND_PREFIXES = Object.values(ROTATION_ROLES).map((role) => role.own);
const MASTER_PREFIXES = Object.values(ROTATION_ROLES).flatMap((role) => role.masters);
const DENIED = /Forbidden\.NoPermission/;
/** Renders the RDS, PolarDB, ECS and R-kvstore statements too, so they are part of what is proven to read no secret. */
const EVERY_INSTANCE = {
  ROTOR_RDS_INSTANCES: "*",
  ROTOR_POLARDB_CLUSTERS: "*",
  ROTOR_ECS_INSTANCES: "*",
  ROTOR_REDIS_INSTANCES: "*",
};

describe("each template's role reaches its own kind only", () => {
  let cloud: TestCloud;
  let ram: RamClient;
  /** One secret under each kind's prefix and each master prefix, by prefix. */
  const secrets = new Map<string, string>();
  /** Each template's role session. */
  const sessions = new Map<RoleName, AccessKeyCredentials>();

  beforeAll(async () => {
    cloud = await startTestCloud({ inMemory: true });
    ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    for (const prefix of [...KIND_PREFIXES, ...MASTER_PREFIXES]) {
      const name = `${prefix}${randomBytes(4).toString("hex")}`;
      await cloud.kms.createSecret({
        secretName: name,
        secretData: `value-${randomBytes(12).toString("hex")}`,
        versionId: "v1",
      });
      secrets.set(prefix, name);
    }
    const trust = await templateJson<PolicyDocument>("trust-policy.json");
    for (const role of [...Object.keys(ROTATION_ROLES), ...VALUE_BLIND_ROLES] as RoleName[]) {
      const roleName = `${role}-${randomBytes(3).toString("hex")}`;
      await ram.createRole({ roleName, assumeRolePolicyDocument: JSON.stringify(trust) });
      await ram.createPolicy({
        policyName: roleName,
        policyDocument: JSON.stringify(await renderedPolicy(role, EVERY_INSTANCE)),
      });
      await ram.attachPolicyToRole({ policyName: roleName, policyType: "Custom", roleName });
      sessions.set(role, await cloud.assumeRoleForService({ roleName }));
    }
    // A stand-in rotation function: only whether a call reaches it matters here.
    cloud.fc.deploy({ name: "rotate-generic", handler: async () => "ok" });
  });
  afterAll(() => cloud?.close());

  const kmsAs = (credentials: AccessKeyCredentials) =>
    new KmsClient({ endpoint: cloud.endpoint, credentials, retry: { attempts: 1 } });
  const fcAs = (credentials: AccessKeyCredentials) =>
    new FcClient({ endpoint: cloud.endpoint, credentials });

  /** The secret's name when the role may read it; the refusal otherwise. */
  async function readAs(role: RoleName, secretName: string): Promise<string> {
    const kms = kmsAs(sessions.get(role) as AccessKeyCredentials);
    return kms.getSecretValue({ secretName }).then(
      () => secretName,
      (error: Error) => error.message,
    );
  }

  async function writeAs(role: RoleName, secretName: string): Promise<string> {
    const kms = kmsAs(sessions.get(role) as AccessKeyCredentials);
    return kms
      .putSecretValue({
        secretName,
        secretData: "planted",
        versionId: `w-${randomBytes(4).toString("hex")}`,
      })
      .then(
        () => secretName,
        (error: Error) => error.message,
      );
  }

  it.each(Object.entries(ROTATION_ROLES))(
    "%s reads only its kind's secrets and its own master secrets",
    async (role, reach) => {
      for (const prefix of [...KIND_PREFIXES, ...MASTER_PREFIXES]) {
        const name = secrets.get(prefix) as string;

        const outcome = await readAs(role as RoleName, name);

        const mayRead =
          prefix === reach.own || (reach.masters as readonly string[]).includes(prefix);
        if (mayRead) expect(outcome, `${role} reading ${prefix}`).toBe(name);
        else expect(outcome, `${role} reading ${prefix}`).toMatch(DENIED);
      }
    },
  );

  it.each(Object.entries(ROTATION_ROLES))(
    "%s writes only its kind's secrets, never a master secret",
    async (role, reach) => {
      for (const prefix of [...KIND_PREFIXES, ...MASTER_PREFIXES]) {
        const name = secrets.get(prefix) as string;

        const outcome = await writeAs(role as RoleName, name);

        if (prefix === reach.own) expect(outcome, `${role} writing ${prefix}`).toBe(name);
        else expect(outcome, `${role} writing ${prefix}`).toMatch(DENIED);
      }
    },
  );

  it.each(VALUE_BLIND_ROLES)("%s reads no secret's value", async (role) => {
    for (const prefix of [...KIND_PREFIXES, ...MASTER_PREFIXES]) {
      expect(
        await readAs(role, secrets.get(prefix) as string),
        `${role} reading ${prefix}`,
      ).toMatch(DENIED);
    }
  });

  it("only the scheduler and the operator role may invoke a rotation function", async () => {
    for (const role of sessions.keys()) {
      const outcome = await fcAs(sessions.get(role) as AccessKeyCredentials)
        .invokeSync("rotate-generic", { SecretName: secrets.get("rotor/generic/") })
        .then(
          (output) => output,
          (error: Error) => error.message,
        );

      if (role === "scheduler" || role === "operator") expect(outcome, role).toBe("ok");
      else expect(outcome, role).toMatch(DENIED);
    }
  });

  it("a team's user who may write and tag its own secret may not invoke one", async () => {
    // Prepare: the writer of the first attack, with exactly those rights
    const userName = `team-a-${randomBytes(3).toString("hex")}`;
    await ram.createUser({ userName });
    await ram.createPolicy({
      policyName: userName,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: ["kms:GetSecretValue", "kms:PutSecretValue", "kms:TagResource"],
            Resource: "acs:kms:*:*:secret/rotor/generic/team-a/*",
          },
        ],
      }),
    });
    await ram.attachPolicyToUser({ policyName: userName, userName });
    const key = await ram.createAccessKey({ userName });

    // Act
    const outcome = await fcAs(key)
      .invokeSync("rotate-generic", { SecretName: "rotor/generic/team-a/db", Emergency: true })
      .then(
        (output) => output,
        (error: Error) => error.message,
      );

    // Assess
    expect(outcome).toMatch(DENIED);
  });

  it("an operator assumes the operator role and may then invoke; without the role they may not", async () => {
    // Prepare: the role trusts the account's RAM users; one named user may assume it
    const roleName = `rotor-operator-${randomBytes(3).toString("hex")}`;
    await ram.createRole({
      roleName,
      assumeRolePolicyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { RAM: [`acs:ram::${cloud.accountId}:root`] },
          },
        ],
      }),
    });
    await ram.createPolicy({
      policyName: roleName,
      policyDocument: JSON.stringify(await renderedPolicy("operator")),
    });
    await ram.attachPolicyToRole({ policyName: roleName, policyType: "Custom", roleName });
    const userName = `on-call-${randomBytes(3).toString("hex")}`;
    await ram.createUser({ userName });
    await ram.createPolicy({
      policyName: userName,
      policyDocument: JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: `acs:ram::${cloud.accountId}:role/${roleName}`,
          },
        ],
      }),
    });
    await ram.attachPolicyToUser({ policyName: userName, userName });
    const key = await ram.createAccessKey({ userName });
    const event = { SecretName: secrets.get("rotor/generic/"), Emergency: true };

    // Act
    const asThemselves = await fcAs(key)
      .invokeSync("rotate-generic", event)
      .then(
        (output) => output,
        (error: Error) => error.message,
      );
    const assumed = await new StsClient({ endpoint: cloud.endpoint, credentials: key }).assumeRole({
      roleArn: `acs:ram::${cloud.accountId}:role/${roleName}`,
      roleSessionName: "emergency",
    });
    const asOperator = await fcAs(assumed.credentials).invokeSync("rotate-generic", event);

    // Assess
    expect(asThemselves).toMatch(DENIED);
    expect(asOperator).toBe("ok");
  });
});

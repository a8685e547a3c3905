/**
 * The bundles function-bundles.test.ts does not run through a rotation do
 * their work too, each in a fresh Node process away from the sources and
 * node_modules, against the local cloud and the real servers: the
 * PostgreSQL function's bundle on PostgreSQL, the two ECS functions'
 * bundles on a real sshd (ssh2 loads at their first login, inside the
 * bundle), the Redis function's bundle on a real redis-server (ioredis
 * likewise), the RAM AccessKey function's bundle on the local RAM, and the
 * onFailure destination's bundle marking a secret whose rotation failed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFunctions, type FunctionBundle } from "../../scripts/build/bundle-functions.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "../core/rotators/database/database-fixtures.ts";
import { installKey } from "../core/rotators/ecs/ecs-rotation-setup.ts";
import { createRamUserSecret } from "../core/rotators/ram-access-key/ram-user-secret.ts";
import {
  createApplicationUser,
  createMasterSecret as createRedisMasterSecret,
} from "../core/rotators/redis/redis-fixtures.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../support/sshd.ts";
import { sshdLoginCheck } from "../support/sshd-login-check.ts";
import { type BundleInvoker, bundleInvoker } from "./support/bundle-invoker.ts";

const FUNCTIONS = [
  "on-failure",
  "rotate-ecs-password",
  "rotate-ecs-ssh-key",
  "rotate-postgres",
  "rotate-ram-access-key",
  "rotate-redis",
];

let outDir: string;
let invoker: BundleInvoker;
let bundles: FunctionBundle[];
let cloud: TestCloud;

beforeAll(async () => {
  // The folder lies outside the repository, so a bundle cannot reach node_modules or sources.
  outDir = await mkdtemp(join(tmpdir(), "rotor-bundles-at-work-"));
  [bundles, cloud] = await Promise.all([
    bundleFunctions({ outDir, only: FUNCTIONS }),
    startTestCloud({ inMemory: true }),
  ]);
  invoker = await bundleInvoker(outDir);
}, 300_000);
afterAll(async () => {
  await cloud?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

function bundleOf(name: string): FunctionBundle {
  const bundle = bundles.find((each) => each.name === name);
  if (!bundle) throw new Error(`no ${name} bundle`);
  return bundle;
}

/** Runs a function's bundle as FC would for a rotation of `secretName`. */
function rotateThroughBundle(name: string, secretName: string) {
  return invoker.invokeOn(cloud, bundleOf(name), { SecretName: secretName });
}

async function currentValue(secretName: string): Promise<Record<string, unknown>> {
  return JSON.parse((await cloud.kms.getSecretValue({ secretName })).secretData);
}

describe("the RAM AccessKey function's bundle", () => {
  it("replaces the user's AccessKey and keeps the old one until the next rotation", async () => {
    // Prepare
    const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const { userName, secretName, value } = await createRamUserSecret(
      { ram, kms: cloud.kms },
      { userPrefix: "bundle-", secretPrefix: "ram/" },
    );

    // Act
    const { result, logs } = await rotateThroughBundle("rotate-ram-access-key", secretName);

    // Assess
    expect(result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await currentValue(secretName);
    expect(current.AccessKeyId).not.toBe(value.AccessKeyId);
    const keys = (await ram.listAccessKeys({ userName })).map((key) => key.accessKeyId);
    expect(keys.sort()).toEqual([value.AccessKeyId, current.AccessKeyId].sort());
    const identity = await new StsClient({
      endpoint: cloud.endpoint,
      credentials: {
        accessKeyId: current.AccessKeyId as string,
        accessKeySecret: current.AccessKeySecret as string,
      },
    }).getCallerIdentity();
    expect(identity.arn).toBe(`acs:ram::${cloud.accountId}:user/${userName}`);
    expect(logs).toContain("rotation-step");
    for (const secret of [value.AccessKeySecret, current.AccessKeySecret as string]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe.skipIf(skipUnlessRedis())("the Redis function's bundle", () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedis({ adminUser: "admin" });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("rotates a dual-account ACL user twice through a master login", async () => {
    // Prepare
    const master = await createRedisMasterSecret(
      cloud.kms,
      redis,
      uniqueName("rotor-master/redis/bundle"),
    );
    const value = await createApplicationUser(redis, { masterSecret: master });
    const secretName = uniqueName("bundle/redis");
    await cloud.kms.createSecret({
      secretName,
      secretData: JSON.stringify(value),
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "redis" }],
    });

    // Act
    const first = await rotateThroughBundle("rotate-redis", secretName);
    const second = await rotateThroughBundle("rotate-redis", secretName);

    // Assess
    expect(first.result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    expect(second.result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await currentValue(secretName);
    expect(current.AccountName).toBe(value.AccountName);
    expect(await redis.canLogin(value.AccountName, current.AccountPassword as string)).toBe(true);
    expect(await redis.canLogin(value.AccountName, value.AccountPassword)).toBe(false);
    for (const { logs } of [first, second]) {
      expect(logs).not.toContain(value.AccountPassword);
      expect(logs).not.toContain(current.AccountPassword as string);
    }
  });
});

describe("the onFailure destination's bundle", () => {
  it("marks the secret whose rotation failed, from the record FC hands it", async () => {
    // Prepare
    const secretName = uniqueName("bundle/failed");
    await cloud.kms.createSecret({ secretName, secretData: "initial", versionId: "v1" });
    const record = {
      requestContext: { functionArn: "acs:fc:cn-hangzhou:1:functions/rotate-generic" },
      requestPayload: JSON.stringify({ SecretName: secretName }),
      responseContext: { functionError: "the target refused the new value" },
    };

    // Act
    const { result } = await invoker.invokeOn(cloud, bundleOf("on-failure"), record);

    // Assess
    expect(result).toMatchObject({ SecretName: secretName });
    const described = await cloud.kms.describeSecret({ secretName, fetchTags: true });
    const tags = Object.fromEntries(described.tags.map((tag) => [tag.key, tag.value]));
    expect(tags).toMatchObject({ "rotor:status": "failed" });
  });
});

describe.skipIf(await skipUnlessPostgres())("the PostgreSQL function's bundle", () => {
  let server: RunningPostgres;
  const target = (): TestServer => ({ engine: "postgres", server });

  beforeAll(async () => {
    server = await startPostgres();
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("rotates a dual-account secret, leaving the previous password working", async () => {
    // Prepare
    const master = await createMasterSecret(cloud.kms, target(), `master-${uniqueSuffix()}`);
    const initial = await createApplicationAccount(target(), { masterSecret: master });
    const secretName = uniqueName("bundle/postgres");
    await cloud.kms.createSecret({
      secretName,
      versionId: "v1",
      secretData: JSON.stringify(initial),
      tags: [{ key: "rotor:rotator", value: "postgres" }],
    });

    // Act
    const { result, logs } = await rotateThroughBundle("rotate-postgres", secretName);

    // Assess
    expect(result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await currentValue(secretName);
    expect(current.AccountName).toBe(`${initial.AccountName}_rt`);
    expect(
      await canLogin(target(), current.AccountName as string, current.AccountPassword as string),
    ).toBe(true);
    expect(await canLogin(target(), initial.AccountName, initial.AccountPassword)).toBe(true);
    for (const password of [
      server.adminPassword,
      initial.AccountPassword,
      current.AccountPassword as string,
    ]) {
      expect(logs).not.toContain(password);
    }
  });
});

describe.skipIf(sshdSkipReason())("the ECS functions' bundles", () => {
  let sshd: SshdServer;

  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  /** A secret for `kind` on the test sshd, tagged for its rotator. */
  async function ecsSecret(kind: string, value: Record<string, unknown>): Promise<string> {
    const secretName = uniqueName(`bundle/${kind}`);
    await cloud.kms.createSecret({
      secretName,
      versionId: "v1",
      secretData: JSON.stringify({
        host: sshd.host,
        port: sshd.port,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        ...value,
      }),
      tags: [{ key: "rotor:rotator", value: kind }],
    });
    return secretName;
  }

  /** A privileged login's secret and an ordinary user to rotate through it. */
  async function adminAndUser() {
    const [admin, user] = await Promise.all([
      sshd.createUser({ privileged: true }),
      sshd.createUser(),
    ]);
    const adminSecret = await ecsSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
    });
    return { admin, user, adminSecret };
  }

  it("rotate-ecs-password changes the password on the server", async () => {
    // Prepare
    const { admin, user, adminSecret } = await adminAndUser();
    const secretName = await ecsSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      privilegedSecret: adminSecret,
    });

    // Act
    const { result, logs } = await rotateThroughBundle("rotate-ecs-password", secretName);

    // Assess
    expect(result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await currentValue(secretName);
    const canLogIn = sshdLoginCheck(sshd);
    expect(await canLogIn(user.name, { password: current.Password as string })).toBe(true);
    expect(await canLogIn(user.name, { password: user.password })).toBe(false);
    for (const password of [admin.password, user.password, current.Password as string]) {
      expect(logs).not.toContain(password);
    }
  }, 120_000);

  it("rotate-ecs-ssh-key puts a new key on the server and takes a key two rotations old off", async () => {
    // Prepare
    const { user, adminSecret } = await adminAndUser();
    const initial = await generateSshKeyPair("ed25519", "first");
    // The user logs in with the secret's key: root edits only the file of a user whose key the secret proves.
    await installKey(user, initial.publicKey);
    const secretName = await ecsSecret("ecs-ssh-key", {
      UserName: user.name,
      PublicKey: initial.publicKey,
      PrivateKey: initial.privateKey,
      privilegedSecret: adminSecret,
    });

    // Act: three times, so the third rotation's finish takes the first rotation's key off
    const outcomes = [];
    const keys = [];
    for (let rotation = 0; rotation < 3; rotation++) {
      outcomes.push(await rotateThroughBundle("rotate-ecs-ssh-key", secretName));
      keys.push((await currentValue(secretName)).PrivateKey as string);
    }

    // Assess
    for (const { result } of outcomes) expect(result).toMatchObject({ Outcome: "rotated" });
    const canLogIn = sshdLoginCheck(sshd);
    expect(await canLogIn(user.name, { privateKey: keys[2] as string })).toBe(true);
    expect(await canLogIn(user.name, { privateKey: keys[1] as string })).toBe(true); // ACSPrevious
    expect(await canLogIn(user.name, { privateKey: keys[0] as string })).toBe(false);
    const logs = outcomes.map((outcome) => outcome.logs).join("\n");
    for (const key of keys) expect(logs).not.toContain(key);
  }, 120_000);
});

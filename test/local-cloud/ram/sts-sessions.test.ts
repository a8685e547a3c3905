/**
 * STS through the official `@alicloud/sts20150401` client: AssumeRole as a
 * RAM user, temporary keys signing V3 (`x-acs-security-token`) and V1
 * (`SecurityToken`), expiry on the cloud's clock, token mismatches, trust
 * policies, and the service-role helper FC uses.
 */
import * as kmsModule from "@alicloud/kms20160120";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import type { AccessKeyCredentials } from "../../../src/cloud-api/credentials.ts";
import {
  accountTrust,
  allowPolicy,
  FC_TRUST,
  failureOf,
  type RamTestCloud,
  startRamTestCloud,
  stsModule,
  uniqueName,
} from "./support/ram-test-cloud.ts";

const MINUTE_MS = 60_000;
let clockOffsetMs = 0;
const serverLog: string[] = [];
let env: RamTestCloud;
beforeAll(async () => {
  env = await startRamTestCloud({
    now: () => Date.now() + clockOffsetMs,
    log: (line) => serverLog.push(line),
  });
});
afterAll(async () => {
  await env?.close();
});

/** A RAM user allowed to call sts:AssumeRole, and its key. */
async function assumer(): Promise<AccessKeyCredentials & { userName: string }> {
  const ram = env.ram();
  const userName = uniqueName("assumer");
  await ram.createUser({ userName });
  await ram.attachPolicyToUser({
    userName,
    policyName: "AliyunSTSAssumeRoleAccess",
    policyType: "System",
  });
  const key = await ram.createAccessKey({ userName });
  return { userName, accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret };
}

/** A role trusted by the whole account, allowed to read every KMS secret. */
async function readerRole(trust = accountTrust(env.cloud.accountId)) {
  const ram = env.ram();
  const roleName = uniqueName("reader");
  const role = await ram.createRole({ roleName, assumeRolePolicyDocument: trust });
  const policyName = uniqueName("kms-read");
  await ram.createPolicy({ policyName, policyDocument: allowPolicy(["kms:GetSecretValue"]) });
  await ram.attachPolicyToRole({ roleName, policyName });
  return role;
}

async function assume(
  caller: AccessKeyCredentials,
  roleArn: string,
  extra: Partial<{ durationSeconds: number; policy: string }> = {},
) {
  const response = await env
    .stsSdk(caller)
    .assumeRole(
      new stsModule.AssumeRoleRequest({ roleArn, roleSessionName: "session-1", ...extra }),
    );
  const credentials = response.body?.credentials;
  return {
    body: response.body,
    credentials: {
      accessKeyId: String(credentials?.accessKeyId),
      accessKeySecret: String(credentials?.accessKeySecret),
      securityToken: String(credentials?.securityToken),
    },
  };
}

describe("AssumeRole", () => {
  it("hands out STS credentials that sign V3 and V1 requests as the role", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();

    // Act
    const { body, credentials } = await assume(caller, role.arn);
    const viaV3 = await env.stsSdk(credentials, "v3").getCallerIdentity();
    const viaV1 = await env.stsSdk(credentials, "v1").getCallerIdentity();

    // Assess
    expect(credentials.accessKeyId).toMatch(/^STS\./);
    expect(credentials.securityToken.length).toBeGreaterThan(20);
    expect(body?.assumedRoleUser?.arn).toBe(
      `acs:ram::${env.cloud.accountId}:assumed-role/${role.roleName}/session-1`,
    );
    for (const identity of [viaV3, viaV1]) {
      expect(identity.body?.identityType).toBe("AssumedRoleUser");
      expect(identity.body?.roleId).toBe(role.roleId);
      expect(identity.body?.arn).toBe(body?.assumedRoleUser?.arn);
    }
  });

  it("works through the rpc-client based KMS SDK too (V1 with SecurityToken)", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();
    const secretName = uniqueName("rpc/secret");
    await env.kms().createSecret({ secretName, secretData: "rpc-value", versionId: "v1" });
    const { credentials } = await assume(caller, role.arn);
    const KmsSdk = commonJsDefault(kmsModule);
    const client = new KmsSdk({
      ...credentials,
      endpoint: `127.0.0.1:${env.cloud.port}`,
      protocol: "http",
      regionId: env.cloud.region,
      readTimeout: 30_000,
    } as ConstructorParameters<typeof KmsSdk>[0]);

    // Act
    const read = await client.getSecretValue(new kmsModule.GetSecretValueRequest({ secretName }));
    const denied = await failureOf(
      client.deleteSecret(new kmsModule.DeleteSecretRequest({ secretName })),
    );

    // Assess
    expect(read.secretData).toBe("rpc-value");
    expect(denied.code).toBe("Forbidden.NoPermission");
  });

  it("never writes a key secret or a security token into the server's log", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();

    // Act
    const { credentials } = await assume(caller, role.arn);
    await env.stsSdk(credentials).getCallerIdentity();

    // Assess
    expect(serverLog.some((line) => line.startsWith("AssumeRole 200"))).toBe(true);
    for (const secret of [
      caller.accessKeySecret,
      credentials.accessKeySecret,
      credentials.securityToken,
    ]) {
      expect(serverLog.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it("refuses the key without its token, with another session's token, or with garbage", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();
    const first = (await assume(caller, role.arn)).credentials;
    const second = (await assume(caller, role.arn)).credentials;

    // Act
    const noToken = await failureOf(
      env
        .stsSdk({ accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret })
        .getCallerIdentity(),
    );
    const othersToken = await failureOf(
      env.stsSdk({ ...first, securityToken: second.securityToken }).getCallerIdentity(),
    );
    const garbage = await failureOf(
      env.stsSdk({ ...first, securityToken: "not-a-token" }, "v1").getCallerIdentity(),
    );
    const tokenWithUserKey = await failureOf(
      env.stsSdk({ ...caller, securityToken: first.securityToken }).getCallerIdentity(),
    );

    // Assess
    expect(noToken.code).toBe("InvalidSecurityToken.Malformed");
    expect(othersToken.code).toBe("InvalidSecurityToken.MismatchWithAccessKey");
    expect(garbage.code).toBe("InvalidSecurityToken.Malformed");
    expect(tokenWithUserKey.code).toBe("InvalidSecurityToken.MismatchWithAccessKey");
  });

  it("credentials expire on the cloud's clock: InvalidSecurityToken.Expired", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();
    const { credentials } = await assume(caller, role.arn, { durationSeconds: 900 });
    const beforeExpiry = await env.stsSdk(credentials).getCallerIdentity();

    // Act
    clockOffsetMs = 16 * MINUTE_MS;
    let afterV3: Awaited<ReturnType<typeof failureOf>>;
    let afterV1: Awaited<ReturnType<typeof failureOf>>;
    try {
      afterV3 = await failureOf(env.stsSdk(credentials, "v3").getCallerIdentity());
      afterV1 = await failureOf(env.stsSdk(credentials, "v1").getCallerIdentity());
    } finally {
      clockOffsetMs = 0;
    }

    // Assess
    expect(beforeExpiry.body?.identityType).toBe("AssumedRoleUser");
    expect(afterV3.code).toBe("InvalidSecurityToken.Expired");
    expect(afterV1.code).toBe("InvalidSecurityToken.Expired");
  });

  it("refuses root accounts, callers without sts:AssumeRole, and callers the trust policy excludes", async () => {
    // Prepare
    const role = await readerRole();
    const ram = env.ram();
    const stranger = uniqueName("stranger");
    await ram.createUser({ userName: stranger });
    const strangerKey = await ram.createAccessKey({ userName: stranger });
    const onlyOthers = await readerRole(
      JSON.stringify({
        Version: "1",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { RAM: [`acs:ram::${env.cloud.accountId}:user/somebody-else`] },
          },
        ],
      }),
    );
    const caller = await assumer();

    // Act
    const asRoot = await failureOf(assume(env.cloud.credentials, role.arn));
    const withoutPermission = await failureOf(assume(strangerKey, role.arn));
    const untrusted = await failureOf(assume(caller, onlyOthers.arn));

    // Assess
    expect(asRoot).toMatchObject({ code: "NoPermission", statusCode: 403 });
    expect(withoutPermission).toMatchObject({ code: "NoPermission", statusCode: 403 });
    expect(withoutPermission.message).toContain("sts:AssumeRole");
    expect(untrusted).toMatchObject({ code: "NoPermission", statusCode: 403 });
    expect(untrusted.message).toContain("trust policy");
  });

  it("checks RoleArn, RoleSessionName, DurationSeconds and Policy", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();
    const sts = env.stsSdk(caller);
    const request = (fields: Record<string, unknown>) =>
      sts.assumeRole(
        new stsModule.AssumeRoleRequest({
          roleArn: role.arn,
          roleSessionName: "ok-session",
          ...fields,
        }),
      );

    // Act
    const badArn = await failureOf(request({ roleArn: "arn:aws:iam::1:role/x" }));
    const missingRole = await failureOf(
      request({ roleArn: `acs:ram::${env.cloud.accountId}:role/no-such-role` }),
    );
    const badSession = await failureOf(request({ roleSessionName: "a b" }));
    const tooShort = await failureOf(request({ durationSeconds: 899 }));
    const tooLong = await failureOf(request({ durationSeconds: 3601 }));
    const badPolicy = await failureOf(
      request({ policy: '{"Version":"1","Statement":[{"Effect":"Allow"}]}' }),
    );

    // Assess
    expect(badArn.code).toBe("InvalidParameter.RoleArn");
    expect(missingRole).toMatchObject({ code: "EntityNotExist.Role", statusCode: 404 });
    expect(badSession.code).toBe("InvalidParameter.RoleSessionName");
    expect(tooShort.code).toBe("InvalidParameter.DurationSeconds");
    expect(tooLong.code).toBe("InvalidParameter.DurationSeconds");
    expect(badPolicy.code).toBe("InvalidParameter.PolicyGrammar");
    expect(badPolicy.message).toContain("Action");
  });

  it("a session policy narrows the role's rights and never widens them", async () => {
    // Prepare
    const caller = await assumer();
    const role = await readerRole();
    const allowed = uniqueName("app/allowed");
    const other = uniqueName("app/other");
    for (const secretName of [allowed, other]) {
      await env.kms().createSecret({ secretName, secretData: "value", versionId: "v1" });
    }
    const narrowing = allowPolicy(
      ["kms:GetSecretValue", "kms:PutSecretValue"],
      [`acs:kms:*:*:secret/${allowed}`],
    );

    // Act
    const { credentials } = await assume(caller, role.arn, { policy: narrowing });
    const kms = env.kms(credentials);
    const readAllowed = await kms.getSecretValue({ secretName: allowed });
    const readOther = await failureOf(kms.getSecretValue({ secretName: other }));
    const widen = await failureOf(
      kms.putSecretValue({ secretName: allowed, secretData: "new", versionId: "v2" }),
    );

    // Assess
    expect(readAllowed.secretData).toBe("value");
    expect(readOther).toMatchObject({ code: "Forbidden.NoPermission", statusCode: 403 });
    expect(widen).toMatchObject({ code: "Forbidden.NoPermission", statusCode: 403 });
  });
});

describe("service roles (what FC hands a function)", () => {
  it("mints credentials of a role that trusts the service", async () => {
    // Prepare
    const role = await readerRole(FC_TRUST);

    // Act
    const credentials = await env.cloud.assumeRoleForService({ roleName: role.roleName });
    const identity = await env.sts(credentials).getCallerIdentity();

    // Assess
    expect(credentials.accessKeyId).toMatch(/^STS\./);
    expect(Date.parse(credentials.expiration)).toBeGreaterThan(Date.now());
    expect(identity.identityType).toBe("AssumedRoleUser");
    expect(identity.arn).toContain(`assumed-role/${role.roleName}/`);
  });

  it("refuses a role that does not trust the service, and a role that does not exist", async () => {
    // Prepare
    const role = await readerRole();

    // Act
    const untrusted = await failureOf(env.cloud.assumeRoleForService({ roleName: role.roleName }));
    const missing = await failureOf(env.cloud.assumeRoleForService({ roleName: "no-such-role" }));

    // Assess
    expect(untrusted.code).toBe("NoPermission");
    expect(untrusted.message).toContain("fc.aliyuncs.com");
    expect(missing.code).toBe("EntityNotExist.Role");
  });
});

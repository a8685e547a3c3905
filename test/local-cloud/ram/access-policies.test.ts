/**
 * Access control: RAM policies decide what a RAM user may call. The
 * evaluation rules are checked directly (a table), then end to end: a
 * user's signed calls to KMS and RAM are allowed or refused by the
 * policies attached to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies } from "../../../src/local-cloud/policy/evaluate-policy.ts";
import { parsePermissionPolicy } from "../../../src/local-cloud/policy/policy-document.ts";
import { wildcardMatches } from "../../../src/local-cloud/policy/wildcard.ts";
import {
  allowPolicy,
  FC_TRUST,
  failureOf,
  type RamTestCloud,
  ramModule,
  startRamTestCloud,
  uniqueName,
} from "./support/ram-test-cloud.ts";

const SECRET = "acs:kms:cn-hangzhou:123:secret/app/db";

describe("policy evaluation rules", () => {
  const policy = (statements: object[]) =>
    parsePermissionPolicy(JSON.stringify({ Version: "1", Statement: statements }));

  it.each([
    [
      "exact action and resource",
      [{ Effect: "Allow", Action: "kms:GetSecretValue", Resource: SECRET }],
      "allow",
    ],
    [
      "action names ignore case",
      [{ Effect: "Allow", Action: "KMS:getsecretvalue", Resource: SECRET }],
      "allow",
    ],
    ["* in the action", [{ Effect: "Allow", Action: "kms:Get*", Resource: SECRET }], "allow"],
    [
      "? is one character",
      [{ Effect: "Allow", Action: "kms:GetSecretValu?", Resource: SECRET }],
      "allow",
    ],
    [
      "? is not two characters",
      [{ Effect: "Allow", Action: "kms:GetSecretVal?", Resource: SECRET }],
      "implicit-deny",
    ],
    [
      "* in the resource",
      [{ Effect: "Allow", Action: "kms:*", Resource: "acs:kms:*:*:secret/app/*" }],
      "allow",
    ],
    [
      "resources are case-sensitive",
      [{ Effect: "Allow", Action: "kms:*", Resource: "acs:kms:*:*:secret/APP/*" }],
      "implicit-deny",
    ],
    [
      "a list of resources",
      [
        {
          Effect: "Allow",
          Action: ["kms:PutSecretValue", "kms:GetSecretValue"],
          Resource: ["acs:kms:*:*:secret/x", SECRET],
        },
      ],
      "allow",
    ],
    [
      "another action",
      [{ Effect: "Allow", Action: "kms:PutSecretValue", Resource: "*" }],
      "implicit-deny",
    ],
    ["nothing matches", [{ Effect: "Allow", Action: "ram:*", Resource: "*" }], "implicit-deny"],
    [
      "Deny wins over Allow",
      [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: "kms:GetSecretValue", Resource: "acs:kms:*:*:secret/app/*" },
      ],
      "explicit-deny",
    ],
    [
      "a Deny that does not match leaves the Allow",
      [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", Action: "kms:Delete*", Resource: "*" },
      ],
      "allow",
    ],
  ])("%s", (_title, statements, expected) => {
    // Prepare
    const documents = [policy(statements)];

    // Act
    const decision = evaluatePolicies(documents, "kms:GetSecretValue", SECRET);

    // Assess
    expect(decision).toBe(expected);
  });

  it("wildcards never backtrack exponentially and match literally otherwise", () => {
    // Prepare
    const pattern = `${"*a".repeat(30)}b`;

    // Act
    const hostile = wildcardMatches(pattern, "a".repeat(200), { ignoreCase: false });
    const dot = wildcardMatches("secret/a.b", "secret/aXb", { ignoreCase: false });

    // Assess
    expect(hostile).toBe(false);
    expect(dot).toBe(false);
  });

  it.each([
    [
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}',
      "Condition",
    ],
    [
      '{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"kms:*","Resource":"*"}]}',
      "NotAction",
    ],
    ['{"Version":"2","Statement":[]}', "Version"],
    ['{"Version":"1","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}', "Effect"],
    [
      '{"Version":"1","Statement":[{"Effect":"Allow","Action":"GetSecretValue","Resource":"*"}]}',
      "service:ActionName",
    ],
    ['{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}', "Resource"],
    ["not json", "JSON"],
  ])("refuses %s, naming %s", (text, named) => {
    // Act
    const parse = () => parsePermissionPolicy(text);

    // Assess
    expect(parse).toThrow(named);
  });
});

describe("policies applied to a RAM user's calls", () => {
  let env: RamTestCloud;
  beforeAll(async () => {
    env = await startRamTestCloud();
  });
  afterAll(async () => {
    await env?.close();
  });

  /** A user with the given custom policies attached, and its key. */
  async function userWith(...documents: string[]) {
    const ram = env.ram();
    const userName = uniqueName("user");
    await ram.createUser({ userName });
    for (const policyDocument of documents) {
      const policyName = uniqueName("policy");
      await ram.createPolicy({ policyName, policyDocument });
      await ram.attachPolicyToUser({ userName, policyName });
    }
    const key = await ram.createAccessKey({ userName });
    return {
      userName,
      credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
    };
  }

  it("a user without policies may do nothing but ask who it is", async () => {
    // Prepare
    const { credentials } = await userWith();

    // Act
    const identity = await env.sts(credentials).getCallerIdentity();
    const kms = await failureOf(env.kms(credentials).listSecrets({}));
    const ram = await failureOf(env.ram(credentials).listUsers());

    // Assess
    expect(identity.identityType).toBe("RAMUser");
    expect(kms).toMatchObject({ code: "Forbidden.NoPermission", statusCode: 403 });
    expect(kms.message).toContain("kms:ListSecrets");
    expect(ram).toMatchObject({ code: "NoPermission", statusCode: 403 });
  });

  it("allows exactly the secrets its policy names, and Deny carves out exceptions", async () => {
    // Prepare
    const prefix = uniqueName("team");
    const names = [`${prefix}/db`, `${prefix}/api`, `${prefix}/root-db`];
    for (const secretName of names) {
      await env.kms().createSecret({ secretName, secretData: "s3cret", versionId: "v1" });
    }
    const { credentials } = await userWith(
      allowPolicy(["kms:GetSecretValue"], [`acs:kms:*:${env.cloud.accountId}:secret/${prefix}/*`]),
      JSON.stringify({
        Version: "1",
        Statement: {
          Effect: "Deny",
          Action: "kms:*",
          Resource: `acs:kms:*:*:secret/${prefix}/root-*`,
        },
      }),
    );
    const kms = env.kms(credentials);

    // Act
    const outcomes = await Promise.all(
      names.map((secretName) =>
        kms.getSecretValue({ secretName }).then(
          () => "allowed",
          (error: { code: string }) => error.code,
        ),
      ),
    );
    const write = await failureOf(
      kms.putSecretValue({ secretName: `${prefix}/db`, secretData: "x", versionId: "v2" }),
    );

    // Assess
    expect(outcomes).toEqual(["allowed", "allowed", "Forbidden.NoPermission"]);
    expect(write.code).toBe("Forbidden.NoPermission");
  });

  it("guards RAM actions by user ARN: a user may manage its own keys only", async () => {
    // Prepare
    const other = await userWith();
    const { userName, credentials } = await userWith();
    const ram = env.ram();
    const policyName = uniqueName("own-keys");
    await ram.createPolicy({
      policyName,
      policyDocument: allowPolicy(
        ["ram:*AccessKey*"],
        [`acs:ram:*:${env.cloud.accountId}:user/${userName}`],
      ),
    });
    await ram.attachPolicyToUser({ userName, policyName });
    const asUser = env.ram(credentials);

    // Act
    const own = await asUser.listAccessKeys({ userName });
    const others = await failureOf(asUser.createAccessKey({ userName: other.userName }));
    const othersKeysAfter = await ram.listAccessKeys({ userName: other.userName });

    // Assess
    expect(own).toHaveLength(1);
    expect(others).toMatchObject({ code: "NoPermission", statusCode: 403 });
    expect(others.message).toContain("ram:CreateAccessKey");
    expect(othersKeysAfter).toHaveLength(1);
  });

  it("detaching a policy takes its rights away at once", async () => {
    // Prepare
    const ram = env.ram();
    const userName = uniqueName("detach");
    await ram.createUser({ userName });
    await ram.attachPolicyToUser({
      userName,
      policyName: "AliyunKMSFullAccess",
      policyType: "System",
    });
    const key = await ram.createAccessKey({ userName });
    const kms = env.kms({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret });
    const before = await kms.listSecrets({});

    // Act
    await ram.detachPolicyFromUser({
      userName,
      policyName: "AliyunKMSFullAccess",
      policyType: "System",
    });
    const after = await failureOf(kms.listSecrets({}));
    const listed = await ram.listPoliciesForUser({ userName });

    // Assess
    expect(before.totalCount).toBeGreaterThanOrEqual(0);
    expect(after.code).toBe("Forbidden.NoPermission");
    expect(listed).toEqual([]);
  });
});

describe("RAM policies and roles through the official SDK", () => {
  let env: RamTestCloud;
  beforeAll(async () => {
    env = await startRamTestCloud();
  });
  afterAll(async () => {
    await env?.close();
  });

  it("creates a policy, attaches it to a user and a role, lists and detaches it", async () => {
    // Prepare
    const ram = env.ramSdk();
    const policyName = uniqueName("read-secrets");
    const userName = uniqueName("user");
    const roleName = uniqueName("role");
    await ram.createUser(new ramModule.CreateUserRequest({ userName }));
    await ram.createRole(
      new ramModule.CreateRoleRequest({
        roleName,
        assumeRolePolicyDocument: JSON.stringify({
          Version: "1",
          Statement: [
            {
              Effect: "Allow",
              Action: "sts:AssumeRole",
              Principal: { Service: ["fc.aliyuncs.com"] },
            },
          ],
        }),
        maxSessionDuration: 7200,
      }),
    );

    // Act
    const created = await ram.createPolicy(
      new ramModule.CreatePolicyRequest({
        policyName,
        policyDocument: allowPolicy(["kms:GetSecretValue"]),
        description: "read",
      }),
    );
    await ram.attachPolicyToUser(
      new ramModule.AttachPolicyToUserRequest({ policyName, policyType: "Custom", userName }),
    );
    await ram.attachPolicyToRole(
      new ramModule.AttachPolicyToRoleRequest({ policyName, policyType: "Custom", roleName }),
    );
    const twice = await failureOf(
      ram.attachPolicyToUser(
        new ramModule.AttachPolicyToUserRequest({ policyName, policyType: "Custom", userName }),
      ),
    );
    const forUser = await ram.listPoliciesForUser(
      new ramModule.ListPoliciesForUserRequest({ userName }),
    );
    const forRole = await ram.listPoliciesForRole(
      new ramModule.ListPoliciesForRoleRequest({ roleName }),
    );
    const role = await ram.getRole(new ramModule.GetRoleRequest({ roleName }));
    await ram.detachPolicyFromRole(
      new ramModule.DetachPolicyFromRoleRequest({ policyName, policyType: "Custom", roleName }),
    );
    const forRoleAfter = await ram.listPoliciesForRole(
      new ramModule.ListPoliciesForRoleRequest({ roleName }),
    );

    // Assess
    expect(created.body?.policy?.policyType).toBe("Custom");
    expect(twice).toMatchObject({ code: "EntityAlreadyExists.User.Policy", statusCode: 409 });
    expect(forUser.body?.policies?.policy?.map((p) => p.policyName)).toEqual([policyName]);
    expect(forRole.body?.policies?.policy?.[0]?.description).toBe("read");
    expect(role.body?.role?.arn).toBe(`acs:ram::${env.cloud.accountId}:role/${roleName}`);
    expect(role.body?.role?.maxSessionDuration).toBe(7200);
    expect(forRoleAfter.body?.policies?.policy ?? []).toEqual([]);
  });

  it("refuses a policy with a Condition at CreatePolicy, and creates nothing", async () => {
    // Prepare
    const ram = env.ramSdk();
    const policyName = uniqueName("conditional");
    const document = JSON.stringify({
      Version: "1",
      Statement: [
        {
          Effect: "Allow",
          Action: "kms:*",
          Resource: "*",
          Condition: { IpAddress: { "acs:SourceIp": "10.0.0.0/8" } },
        },
      ],
    });

    // Act
    const refused = await failureOf(
      ram.createPolicy(new ramModule.CreatePolicyRequest({ policyName, policyDocument: document })),
    );
    const attach = await failureOf(env.ram().attachPolicyToRole({ roleName: "any", policyName }));

    // Assess
    expect(refused).toMatchObject({ code: "MalformedPolicyDocument", statusCode: 400 });
    expect(refused.message).toContain("Condition");
    expect(attach.code).toBe("EntityNotExist.Policy");
  });

  it("refuses a role whose trust policy has no Principal, and a duplicate role", async () => {
    // Prepare
    const ram = env.ram();
    const roleName = uniqueName("role");
    await ram.createRole({
      roleName,
      assumeRolePolicyDocument: FC_TRUST,
    });

    // Act
    const noPrincipal = await failureOf(
      ram.createRole({
        roleName: uniqueName("role"),
        assumeRolePolicyDocument: allowPolicy(["sts:AssumeRole"]),
      }),
    );
    const duplicate = await failureOf(
      ram.createRole({
        roleName,
        assumeRolePolicyDocument: FC_TRUST,
      }),
    );

    // Assess
    expect(noPrincipal.code).toBe("MalformedPolicyDocument");
    expect(duplicate).toMatchObject({ code: "EntityAlreadyExists.Role", statusCode: 409 });
  });
});

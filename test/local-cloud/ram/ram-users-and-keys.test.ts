/**
 * RAM users and AccessKeys through the official `@alicloud/ram20150501`
 * client: the lifecycle, the two-key limit, and keys that really
 * authenticate until they are made Inactive or deleted.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RamClient } from "../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../src/cloud-api/sts-client.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import {
  failureOf,
  type RamTestCloud,
  ramModule,
  startRamTestCloud,
  uniqueName,
} from "./support/ram-test-cloud.ts";

let env: RamTestCloud;
beforeAll(async () => {
  env = await startRamTestCloud();
});
afterAll(async () => {
  await env?.close();
});

async function createUser(userName: string) {
  const ram = env.ramSdk();
  return ram.createUser(new ramModule.CreateUserRequest({ userName, displayName: "Test user" }));
}

async function createKey(userName: string) {
  const ram = env.ramSdk();
  const response = await ram.createAccessKey(new ramModule.CreateAccessKeyRequest({ userName }));
  const key = response.body?.accessKey;
  return { accessKeyId: String(key?.accessKeyId), accessKeySecret: String(key?.accessKeySecret) };
}

describe("RAM users through the official SDK", () => {
  it("creates, reads, lists and deletes a user", async () => {
    // Prepare
    const userName = uniqueName("alice");
    const ram = env.ramSdk();

    // Act
    const created = await createUser(userName);
    const read = await ram.getUser(new ramModule.GetUserRequest({ userName }));
    const listed = await ram.listUsers(new ramModule.ListUsersRequest({}));
    await ram.deleteUser(new ramModule.DeleteUserRequest({ userName }));
    const afterDelete = await failureOf(ram.getUser(new ramModule.GetUserRequest({ userName })));

    // Assess
    expect(created.body?.user?.userName).toBe(userName);
    expect(created.body?.user?.userId).toMatch(/^\d{16}$/);
    expect(read.body?.user?.displayName).toBe("Test user");
    expect(listed.body?.users?.user?.map((user) => user.userName)).toContain(userName);
    expect(afterDelete).toMatchObject({ code: "EntityNotExist.User", statusCode: 404 });
  });

  it("refuses a second user of the same name and a name with invalid characters", async () => {
    // Prepare
    const userName = uniqueName("bob");
    await createUser(userName);

    // Act
    const duplicate = await failureOf(createUser(userName));
    const invalid = await failureOf(createUser("bob smith!"));

    // Assess
    expect(duplicate).toMatchObject({ code: "EntityAlreadyExists.User", statusCode: 409 });
    expect(invalid).toMatchObject({ code: "InvalidParameter.UserName.InvalidChars" });
    expect(invalid.message).toContain("UserName");
  });

  it("lists users page by page with Marker and MaxItems", async () => {
    // Prepare
    const prefix = uniqueName("page");
    for (const suffix of ["a", "b", "c"]) await createUser(`${prefix}-${suffix}`);
    const ram = env.ramSdk();

    // Act
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await ram.listUsers(new ramModule.ListUsersRequest({ maxItems: 2, marker }));
      names.push(...(page.body?.users?.user ?? []).map((user) => String(user.userName)));
      marker = page.body?.isTruncated ? page.body.marker : undefined;
      pages++;
    } while (marker);

    // Assess
    expect(names.filter((name) => name.startsWith(prefix))).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
      `${prefix}-c`,
    ]);
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBeGreaterThan(1);
  });
});

describe("RAM AccessKeys", () => {
  it("issues keys that authenticate as the user", async () => {
    // Prepare
    const userName = uniqueName("carol");
    await createUser(userName);
    const key = await createKey(userName);

    // Act
    const identity = await env.stsSdk(key).getCallerIdentity();

    // Assess
    expect(key.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
    expect(key.accessKeySecret).toHaveLength(30);
    expect(identity.body?.identityType).toBe("RAMUser");
    expect(identity.body?.arn).toBe(`acs:ram::${env.cloud.accountId}:user/${userName}`);
  });

  it("allows two keys per user and refuses a third with LimitExceeded.User.AccessKey", async () => {
    // Prepare
    const userName = uniqueName("dave");
    await createUser(userName);
    await createKey(userName);
    await createKey(userName);

    // Act
    const third = await failureOf(createKey(userName));
    const listed = await env.ram().listAccessKeys({ userName });

    // Assess
    expect(third).toMatchObject({ code: "LimitExceeded.User.AccessKey", statusCode: 409 });
    expect(listed).toHaveLength(2);
  });

  it("refuses an Inactive key with InvalidAccessKeyId.Inactive and accepts it again once Active", async () => {
    // Prepare
    const userName = uniqueName("erin");
    await createUser(userName);
    const key = await createKey(userName);
    const ram = env.ramSdk();
    const setStatus = (status: string) =>
      ram.updateAccessKey(
        new ramModule.UpdateAccessKeyRequest({
          userName,
          userAccessKeyId: key.accessKeyId,
          status,
        }),
      );

    // Act
    await setStatus("Inactive");
    const whileInactive = await failureOf(env.stsSdk(key).getCallerIdentity());
    const listedInactive = await env.ram().listAccessKeys({ userName });
    await setStatus("Active");
    const afterReactivation = await env.stsSdk(key).getCallerIdentity();

    // Assess
    expect(whileInactive).toMatchObject({ code: "InvalidAccessKeyId.Inactive" });
    expect(listedInactive[0]?.status).toBe("Inactive");
    expect(afterReactivation.body?.identityType).toBe("RAMUser");
  });

  it("refuses a deleted key with InvalidAccessKeyId.NotFound", async () => {
    // Prepare
    const userName = uniqueName("frank");
    await createUser(userName);
    const key = await createKey(userName);

    // Act
    await env.ram().deleteAccessKey({ userName, accessKeyId: key.accessKeyId });
    const afterDelete = await failureOf(env.stsSdk(key).getCallerIdentity());
    const deleteAgain = await failureOf(
      env.ram().deleteAccessKey({ userName, accessKeyId: key.accessKeyId }),
    );

    // Assess
    expect(afterDelete).toMatchObject({ code: "InvalidAccessKeyId.NotFound", statusCode: 404 });
    expect(deleteAgain).toMatchObject({ code: "EntityNotExist.User.AccessKey", statusCode: 404 });
  });

  it("never shows a key's secret after CreateAccessKey, nor in error messages", async () => {
    // Prepare
    const userName = uniqueName("grace");
    await createUser(userName);
    const key = await createKey(userName);

    // Act
    const listed = await env
      .ramSdk()
      .listAccessKeys(new ramModule.ListAccessKeysRequest({ userName }));
    const limit = await failureOf(createKey(userName).then(() => createKey(userName)));
    const wrongSecret = await failureOf(
      env
        .stsSdk({ accessKeyId: key.accessKeyId, accessKeySecret: `${key.accessKeySecret}x` })
        .getCallerIdentity(),
    );

    // Assess
    expect(JSON.stringify(listed.body)).not.toContain(key.accessKeySecret);
    expect(limit.message).not.toContain(key.accessKeySecret);
    expect(wrongSecret.code).toBe("SignatureDoesNotMatch");
    expect(wrongSecret.message).not.toContain(key.accessKeySecret);
  });

  it("refuses to delete a user that still has keys, and changes nothing", async () => {
    // Prepare
    const userName = uniqueName("heidi");
    await createUser(userName);
    const key = await createKey(userName);

    // Act
    const refused = await failureOf(env.ram().deleteUser({ userName }));
    const identity = await env.sts(key).getCallerIdentity();

    // Assess
    expect(refused).toMatchObject({ code: "DeleteConflict.User.AccessKey", statusCode: 409 });
    expect(identity.arn).toContain(`user/${userName}`);
  });

  it("keeps users and keys across a restart of a cloud with a state folder", async () => {
    // Prepare
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-ram-restart-"));
    try {
      const first = await startLocalCloud({ stateDir });
      const ram = new RamClient({
        endpoint: first.endpoint,
        credentials: first.credentials,
        retry: { attempts: 1 },
      });
      await ram.createUser({ userName: "ivan" });
      const key = await ram.createAccessKey({ userName: "ivan" });
      await first.close();

      // Act
      const second = await startLocalCloud({ stateDir });
      const identity = await new StsClient({
        endpoint: second.endpoint,
        credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
        retry: { attempts: 1 },
      }).getCallerIdentity();
      await second.close();

      // Assess
      expect(identity.arn).toBe(`acs:ram::${second.accountId}:user/ivan`);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

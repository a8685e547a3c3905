/**
 * Typed calls to RAM (API 2015-05-01): users, their AccessKeys, roles and
 * policies. Each method maps one OpenAPI action and unwraps RAM's
 * `{"AccessKeys":{"AccessKey":[…]}}` style lists. An AccessKey's secret is
 * returned by createAccessKey only: RAM never shows it again.
 */
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { str, type WireObject, wrappedList } from "./response-fields.ts";

export type AccessKeyStatus = "Active" | "Inactive";

export interface AccessKeySummary {
  accessKeyId: string;
  status: AccessKeyStatus;
  createDate: string;
}

export interface NewAccessKey extends AccessKeySummary {
  accessKeySecret: string;
}

export interface RamUser {
  userId: string;
  userName: string;
  displayName: string;
  comments: string;
  createDate: string;
}

export interface RamRole {
  roleId: string;
  roleName: string;
  arn: string;
  description: string;
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  createDate: string;
}

export type PolicyType = "System" | "Custom";

export interface AttachedPolicy {
  policyName: string;
  policyType: PolicyType;
  description: string;
  attachDate: string;
}

export type RamClientOptions = Omit<CallerOptions, "product">;

export class RamClient {
  readonly caller: OpenApiCaller;

  constructor(options: RamClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "ram" });
  }

  async createUser(input: {
    userName: string;
    displayName?: string;
    comments?: string;
  }): Promise<RamUser> {
    const body = await this.caller.call<WireObject>("CreateUser", {
      UserName: input.userName,
      DisplayName: input.displayName,
      Comments: input.comments,
    });
    return toUser(body.User);
  }

  async getUser(input: { userName: string }): Promise<RamUser> {
    const body = await this.caller.call<WireObject>("GetUser", { UserName: input.userName });
    return toUser(body.User);
  }

  /** Every user, page by page. */
  async listUsers(): Promise<RamUser[]> {
    const users: RamUser[] = [];
    let marker: string | undefined;
    do {
      const body = await this.caller.call<WireObject>("ListUsers", {
        Marker: marker,
        MaxItems: 1000,
      });
      users.push(...wrappedList(body.Users, "User").map(toUser));
      marker = body.IsTruncated === true ? str(body.Marker) : undefined;
    } while (marker);
    return users;
  }

  async deleteUser(input: { userName: string }): Promise<void> {
    await this.caller.call("DeleteUser", { UserName: input.userName });
  }

  /** A new Active key; fails with LimitExceeded.User.AccessKey when the user already has two. */
  async createAccessKey(input: { userName: string }): Promise<NewAccessKey> {
    const body = await this.caller.call<WireObject>("CreateAccessKey", {
      UserName: input.userName,
    });
    const key = (body.AccessKey ?? {}) as WireObject;
    return { ...toKeySummary(key), accessKeySecret: str(key.AccessKeySecret) };
  }

  async listAccessKeys(input: { userName: string }): Promise<AccessKeySummary[]> {
    const body = await this.caller.call<WireObject>("ListAccessKeys", {
      UserName: input.userName,
    });
    return wrappedList(body.AccessKeys, "AccessKey").map(toKeySummary);
  }

  async updateAccessKey(input: {
    userName: string;
    accessKeyId: string;
    status: AccessKeyStatus;
  }): Promise<void> {
    await this.caller.call("UpdateAccessKey", {
      UserName: input.userName,
      UserAccessKeyId: input.accessKeyId,
      Status: input.status,
    });
  }

  async deleteAccessKey(input: { userName: string; accessKeyId: string }): Promise<void> {
    await this.caller.call("DeleteAccessKey", {
      UserName: input.userName,
      UserAccessKeyId: input.accessKeyId,
    });
  }

  /** A role; `assumeRolePolicyDocument` is its trust policy (who may assume it). */
  async createRole(input: {
    roleName: string;
    assumeRolePolicyDocument: string;
    description?: string;
    maxSessionDuration?: number;
  }): Promise<RamRole> {
    const body = await this.caller.call<WireObject>("CreateRole", {
      RoleName: input.roleName,
      AssumeRolePolicyDocument: input.assumeRolePolicyDocument,
      Description: input.description,
      MaxSessionDuration: input.maxSessionDuration,
    });
    return toRole(body.Role);
  }

  async getRole(input: { roleName: string }): Promise<RamRole> {
    const body = await this.caller.call<WireObject>("GetRole", { RoleName: input.roleName });
    return toRole(body.Role);
  }

  async createPolicy(input: {
    policyName: string;
    policyDocument: string;
    description?: string;
  }): Promise<{ policyName: string; policyType: PolicyType }> {
    const body = await this.caller.call<WireObject>("CreatePolicy", {
      PolicyName: input.policyName,
      PolicyDocument: input.policyDocument,
      Description: input.description,
    });
    const policy = (body.Policy ?? {}) as WireObject;
    return { policyName: str(policy.PolicyName), policyType: toPolicyType(policy.PolicyType) };
  }

  async attachPolicyToUser(input: PolicyAttachment & { userName: string }): Promise<void> {
    await this.caller.call("AttachPolicyToUser", {
      ...policyQuery(input),
      UserName: input.userName,
    });
  }

  async detachPolicyFromUser(input: PolicyAttachment & { userName: string }): Promise<void> {
    await this.caller.call("DetachPolicyFromUser", {
      ...policyQuery(input),
      UserName: input.userName,
    });
  }

  async attachPolicyToRole(input: PolicyAttachment & { roleName: string }): Promise<void> {
    await this.caller.call("AttachPolicyToRole", {
      ...policyQuery(input),
      RoleName: input.roleName,
    });
  }

  async detachPolicyFromRole(input: PolicyAttachment & { roleName: string }): Promise<void> {
    await this.caller.call("DetachPolicyFromRole", {
      ...policyQuery(input),
      RoleName: input.roleName,
    });
  }

  async listPoliciesForUser(input: { userName: string }): Promise<AttachedPolicy[]> {
    const body = await this.caller.call<WireObject>("ListPoliciesForUser", {
      UserName: input.userName,
    });
    return wrappedList(body.Policies, "Policy").map(toAttached);
  }

  async listPoliciesForRole(input: { roleName: string }): Promise<AttachedPolicy[]> {
    const body = await this.caller.call<WireObject>("ListPoliciesForRole", {
      RoleName: input.roleName,
    });
    return wrappedList(body.Policies, "Policy").map(toAttached);
  }
}

export interface PolicyAttachment {
  policyName: string;
  /** Default Custom. */
  policyType?: PolicyType;
}

function policyQuery(input: PolicyAttachment): { PolicyName: string; PolicyType: PolicyType } {
  return { PolicyName: input.policyName, PolicyType: input.policyType ?? "Custom" };
}

function toUser(wire: unknown): RamUser {
  const user = (wire ?? {}) as WireObject;
  return {
    userId: str(user.UserId),
    userName: str(user.UserName),
    displayName: str(user.DisplayName),
    comments: str(user.Comments),
    createDate: str(user.CreateDate),
  };
}

function toRole(wire: unknown): RamRole {
  const role = (wire ?? {}) as WireObject;
  return {
    roleId: str(role.RoleId),
    roleName: str(role.RoleName),
    arn: str(role.Arn),
    description: str(role.Description),
    assumeRolePolicyDocument: str(role.AssumeRolePolicyDocument),
    maxSessionDuration: Number(role.MaxSessionDuration ?? 0),
    createDate: str(role.CreateDate),
  };
}

function toKeySummary(wire: unknown): AccessKeySummary {
  const key = (wire ?? {}) as WireObject;
  return {
    accessKeyId: str(key.AccessKeyId),
    status: key.Status === "Inactive" ? "Inactive" : "Active",
    createDate: str(key.CreateDate),
  };
}

function toAttached(wire: unknown): AttachedPolicy {
  const policy = (wire ?? {}) as WireObject;
  return {
    policyName: str(policy.PolicyName),
    policyType: toPolicyType(policy.PolicyType),
    description: str(policy.Description),
    attachDate: str(policy.AttachDate),
  };
}

function toPolicyType(value: unknown): PolicyType {
  return value === "System" ? "System" : "Custom";
}

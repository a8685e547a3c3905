/**
 * RAM (API 2015-05-01) in the local cloud: users and their AccessKeys (at
 * most two per user; the keys it issues really authenticate), roles with
 * trust policies, custom policies and their attachments. Errors use RAM's
 * own codes (EntityNotExist.User, LimitExceeded.User.AccessKey, …).
 */
import { randomInt } from "node:crypto";
import { CloudApiError, cloudErrors } from "../api-error.ts";
import type { Principal } from "../auth/principal.ts";
import { optionalEnum, optionalInteger, optionalString, type RawParams } from "../params.ts";
import {
  InvalidPolicyError,
  parsePermissionPolicy,
  parseTrustPolicy,
} from "../policy/policy-document.ts";
import type { ActionHandler, Product } from "../product.ts";
import { newAccessKey } from "../root-account.ts";
import { NO_CHANGE } from "../state/record-store.ts";
import { isoSeconds } from "../time-format.ts";
import type { RamDirectory } from "./ram-directory.ts";
import {
  type AttachedPolicy,
  MAX_ACCESS_KEYS_PER_USER,
  type PolicyRecord,
  type PolicyType,
  type RoleRecord,
  type UserRecord,
} from "./ram-records.ts";
import { SYSTEM_POLICIES } from "./system-policies.ts";

export const RAM_API_VERSION = "2015-05-01";

interface NameRule {
  maxLength: number;
  pattern: RegExp;
  allowed: string;
}

const USER_NAME: NameRule = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9._@-]+$/,
  allowed: "letters, digits, periods, underscores, hyphens and @",
};
const ROLE_NAME: NameRule = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9.-]+$/,
  allowed: "letters, digits, periods and hyphens",
};
const POLICY_NAME: NameRule = {
  maxLength: 128,
  pattern: /^[A-Za-z0-9-]+$/,
  allowed: "letters, digits and hyphens",
};

/** RAM's own parameter codes, e.g. InvalidParameter.UserName.InvalidChars. */
function nameParam(params: RawParams, name: string, rule: NameRule): string {
  const value = params[name];
  if (value === undefined || value === "") throw cloudErrors.missingParameter(name);
  if (value.length > rule.maxLength) {
    throw new CloudApiError(
      400,
      `InvalidParameter.${name}.Length`,
      `The parameter - "${name}" beyond the length limit (1 to ${rule.maxLength} characters).`,
    );
  }
  if (!rule.pattern.test(value)) {
    throw new CloudApiError(
      400,
      `InvalidParameter.${name}.InvalidChars`,
      `The parameter - "${name}" contains invalid chars; use ${rule.allowed}.`,
    );
  }
  return value;
}

function limitedText(params: RawParams, name: string, maxLength: number): string {
  const value = optionalString(params, name) ?? "";
  if (value.length > maxLength) {
    throw new CloudApiError(
      400,
      `InvalidParameter.${name}.Length`,
      `The parameter - "${name}" beyond the length limit (${maxLength} characters).`,
    );
  }
  return value;
}

const entityNotExist = (what: "User" | "Role" | "Policy", name: string) =>
  new CloudApiError(
    404,
    `EntityNotExist.${what}`,
    `The ${what.toLowerCase()} ${JSON.stringify(name)} does not exist.`,
  );

const malformedPolicy = (parameter: string, error: unknown) =>
  new CloudApiError(
    400,
    "MalformedPolicyDocument",
    `The parameter ${parameter} is not a valid policy: ${(error as Error).message}`,
  );

function numericId(digits: number): string {
  return (
    String(randomInt(1, 10)) + Array.from({ length: digits - 1 }, () => randomInt(10)).join("")
  );
}

export function createRamProduct(ram: RamDirectory): Product {
  const { users, roles, policies } = ram.stores;
  const account = ram.accountId;
  // RAM resources are global: the region part of their ARN is `*`.
  const userResource = (name: string) => `acs:ram:*:${account}:user/${name}`;
  const roleResource = (name: string) => `acs:ram:*:${account}:role/${name}`;
  const policyResource = (name: string) => `acs:ram:*:${account}:policy/${name}`;

  /** UserName, or for a RAM user calling about itself, its own name (as RAM does). */
  const userNameOrSelf = (params: RawParams, principal: Principal): string => {
    if ((params.UserName ?? "") === "" && principal.kind === "ram-user") return principal.userName;
    return nameParam(params, "UserName", USER_NAME);
  };

  const existingUser = (record: UserRecord | undefined, name: string): UserRecord => {
    if (!record) throw entityNotExist("User", name);
    return record;
  };

  const userView = (user: UserRecord) => ({
    UserId: user.userId,
    UserName: user.userName,
    DisplayName: user.displayName,
    Email: user.email,
    MobilePhone: user.mobilePhone,
    Comments: user.comments,
    CreateDate: isoSeconds(user.createTime),
    UpdateDate: isoSeconds(user.updateTime),
  });

  const roleView = (role: RoleRecord) => ({
    RoleId: role.roleId,
    RoleName: role.roleName,
    Arn: ram.roleArn(role.roleName),
    Description: role.description,
    AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
    MaxSessionDuration: role.maxSessionDuration,
    CreateDate: isoSeconds(role.createTime),
    UpdateDate: isoSeconds(role.updateTime),
  });

  const policyDescription = (policy: AttachedPolicy): string =>
    policy.policyType === "System"
      ? (SYSTEM_POLICIES[policy.policyName]?.description ?? "")
      : (policies.get(policy.policyName)?.description ?? "");

  const attachedView = (attached: AttachedPolicy[]) => ({
    Policy: attached.map((policy) => ({
      PolicyName: policy.policyName,
      PolicyType: policy.policyType,
      Description: policyDescription(policy),
      DefaultVersion: "v1",
      AttachDate: isoSeconds(policy.attachTime),
    })),
  });

  /** PolicyName and PolicyType of an attach/detach call, checked to exist. */
  const policyRef = (params: RawParams): { policyName: string; policyType: PolicyType } => {
    const policyName = nameParam(params, "PolicyName", POLICY_NAME);
    const policyType = params.PolicyType;
    if (policyType !== "System" && policyType !== "Custom") {
      throw new CloudApiError(
        400,
        "InvalidParameter.PolicyType",
        'The parameter - "PolicyType" is incorrect; use System or Custom.',
      );
    }
    const exists =
      policyType === "System"
        ? Object.hasOwn(SYSTEM_POLICIES, policyName)
        : policies.get(policyName) !== undefined;
    if (!exists) throw entityNotExist("Policy", `${policyType} ${policyName}`);
    return { policyName, policyType };
  };

  const attach = (list: AttachedPolicy[], ref: AttachedPolicy, owner: "User" | "Role") => {
    if (list.some((p) => p.policyName === ref.policyName && p.policyType === ref.policyType)) {
      throw new CloudApiError(
        409,
        `EntityAlreadyExists.${owner}.Policy`,
        `The ${owner.toLowerCase()} has already been attached the policy ${ref.policyName}.`,
      );
    }
    list.push(ref);
  };

  const detach = (
    list: AttachedPolicy[],
    ref: Omit<AttachedPolicy, "attachTime">,
    owner: string,
  ) => {
    const index = list.findIndex(
      (p) => p.policyName === ref.policyName && p.policyType === ref.policyType,
    );
    if (index < 0) {
      throw new CloudApiError(
        404,
        `EntityNotExist.${owner}.Policy`,
        `The policy ${ref.policyName} is not attached to the ${owner.toLowerCase()}.`,
      );
    }
    list.splice(index, 1);
  };

  const actions: Record<string, ActionHandler> = {
    async CreateUser(ctx) {
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      const displayName = limitedText(ctx.params, "DisplayName", 128) || userName;
      const comments = limitedText(ctx.params, "Comments", 128);
      const email = limitedText(ctx.params, "Email", 128);
      const mobilePhone = limitedText(ctx.params, "MobilePhone", 32);
      ctx.authorize("ram:CreateUser", userResource(userName));
      return users.update(userName, (current) => {
        if (current) {
          throw new CloudApiError(
            409,
            "EntityAlreadyExists.User",
            `The user ${JSON.stringify(userName)} already exists.`,
          );
        }
        const user: UserRecord = {
          userName,
          userId: numericId(16),
          displayName,
          comments,
          email,
          mobilePhone,
          createTime: ctx.now,
          updateTime: ctx.now,
          accessKeys: [],
          policies: [],
        };
        return { next: user, result: { User: userView(user) } };
      });
    },

    async GetUser(ctx) {
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      ctx.authorize("ram:GetUser", userResource(userName));
      return { User: userView(existingUser(users.get(userName), userName)) };
    },

    async ListUsers(ctx) {
      const maxItems = optionalInteger(ctx.params, "MaxItems", { min: 1, max: 1000 }) ?? 100;
      const marker = optionalString(ctx.params, "Marker");
      ctx.authorize("ram:ListUsers", userResource("*"));
      // The marker is the name of the first user of the next page.
      const sorted = [...users.values()].sort((a, b) => a.userName.localeCompare(b.userName));
      const start =
        marker === undefined
          ? 0
          : sorted.findIndex((user) => user.userName.localeCompare(marker) >= 0);
      const from = start < 0 ? sorted.length : start;
      const page = sorted.slice(from, from + maxItems);
      const next = sorted[from + maxItems];
      return {
        IsTruncated: next !== undefined,
        Marker: next?.userName,
        Users: { User: page.map(userView) },
      };
    },

    async DeleteUser(ctx) {
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      ctx.authorize("ram:DeleteUser", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        if (user.accessKeys.length > 0) {
          throw new CloudApiError(
            409,
            "DeleteConflict.User.AccessKey",
            "The user CAN NOT has any access key while deleting the user; delete its AccessKeys first.",
          );
        }
        if (user.policies.length > 0) {
          throw new CloudApiError(
            409,
            "DeleteConflict.User.Policy",
            "The user CAN NOT has any attached policy while deleting the user; detach its policies first.",
          );
        }
        return { next: undefined, result: {} };
      });
    },

    async CreateAccessKey(ctx) {
      const userName = userNameOrSelf(ctx.params, ctx.principal);
      ctx.authorize("ram:CreateAccessKey", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        if (user.accessKeys.length >= MAX_ACCESS_KEYS_PER_USER) {
          throw new CloudApiError(
            409,
            "LimitExceeded.User.AccessKey",
            `The access key count of the user access keys beyond the current limits: ${userName} already has ${MAX_ACCESS_KEYS_PER_USER}.`,
          );
        }
        const key = { ...newAccessKey("LTAI"), status: "Active" as const, createTime: ctx.now };
        user.accessKeys.push(key);
        user.updateTime = ctx.now;
        return {
          next: user,
          result: {
            AccessKey: {
              AccessKeyId: key.accessKeyId,
              AccessKeySecret: key.accessKeySecret,
              Status: key.status,
              CreateDate: isoSeconds(key.createTime),
            },
          },
        };
      });
    },

    async ListAccessKeys(ctx) {
      const userName = userNameOrSelf(ctx.params, ctx.principal);
      ctx.authorize("ram:ListAccessKeys", userResource(userName));
      const user = existingUser(users.get(userName), userName);
      return {
        AccessKeys: {
          AccessKey: user.accessKeys.map((key) => ({
            AccessKeyId: key.accessKeyId,
            Status: key.status,
            CreateDate: isoSeconds(key.createTime),
          })),
        },
      };
    },

    async UpdateAccessKey(ctx) {
      const userName = userNameOrSelf(ctx.params, ctx.principal);
      const accessKeyId = accessKeyIdParam(ctx.params);
      const status = optionalEnum(ctx.params, "Status", ["Active", "Inactive"] as const);
      if (status === undefined) throw cloudErrors.missingParameter("Status");
      ctx.authorize("ram:UpdateAccessKey", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        const key = user.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
        if (!key) throw accessKeyNotExist(accessKeyId, userName);
        if (key.status === status) return { next: NO_CHANGE, result: {} };
        key.status = status;
        user.updateTime = ctx.now;
        return { next: user, result: {} };
      });
    },

    async DeleteAccessKey(ctx) {
      const userName = userNameOrSelf(ctx.params, ctx.principal);
      const accessKeyId = accessKeyIdParam(ctx.params);
      ctx.authorize("ram:DeleteAccessKey", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        const index = user.accessKeys.findIndex((key) => key.accessKeyId === accessKeyId);
        if (index < 0) throw accessKeyNotExist(accessKeyId, userName);
        user.accessKeys.splice(index, 1);
        user.updateTime = ctx.now;
        return { next: user, result: {} };
      });
    },

    async CreateRole(ctx) {
      const roleName = nameParam(ctx.params, "RoleName", ROLE_NAME);
      const document = optionalString(ctx.params, "AssumeRolePolicyDocument");
      if (document === undefined) throw cloudErrors.missingParameter("AssumeRolePolicyDocument");
      try {
        parseTrustPolicy(document);
      } catch (error) {
        if (error instanceof InvalidPolicyError)
          throw malformedPolicy("AssumeRolePolicyDocument", error);
        throw error;
      }
      const description = limitedText(ctx.params, "Description", 1024);
      const maxSessionDuration =
        optionalInteger(ctx.params, "MaxSessionDuration", { min: 3600, max: 43200 }) ?? 3600;
      ctx.authorize("ram:CreateRole", roleResource(roleName));
      if (ram.findRole(roleName)) throw roleExists(roleName);
      return roles.update(roleName, (current) => {
        if (current) throw roleExists(roleName);
        const role: RoleRecord = {
          roleName,
          roleId: numericId(19),
          description,
          assumeRolePolicyDocument: document,
          maxSessionDuration,
          createTime: ctx.now,
          updateTime: ctx.now,
          policies: [],
        };
        const { UpdateDate: _updateDate, ...created } = roleView(role);
        return { next: role, result: { Role: created } };
      });
    },

    async GetRole(ctx) {
      const roleName = nameParam(ctx.params, "RoleName", ROLE_NAME);
      ctx.authorize("ram:GetRole", roleResource(roleName));
      const role = ram.findRole(roleName);
      if (!role) throw entityNotExist("Role", roleName);
      return { Role: roleView(role) };
    },

    async CreatePolicy(ctx) {
      const policyName = nameParam(ctx.params, "PolicyName", POLICY_NAME);
      const document = optionalString(ctx.params, "PolicyDocument");
      if (document === undefined) throw cloudErrors.missingParameter("PolicyDocument");
      try {
        parsePermissionPolicy(document);
      } catch (error) {
        if (error instanceof InvalidPolicyError) throw malformedPolicy("PolicyDocument", error);
        throw error;
      }
      const description = limitedText(ctx.params, "Description", 1024);
      ctx.authorize("ram:CreatePolicy", policyResource(policyName));
      return policies.update(policyName, (current) => {
        if (current || Object.hasOwn(SYSTEM_POLICIES, policyName)) {
          throw new CloudApiError(
            409,
            "EntityAlreadyExists.Policy",
            `The policy ${JSON.stringify(policyName)} already exists.`,
          );
        }
        const policy: PolicyRecord = {
          policyName,
          description,
          policyDocument: document,
          createTime: ctx.now,
        };
        return {
          next: policy,
          result: {
            Policy: {
              PolicyName: policyName,
              PolicyType: "Custom",
              Description: description,
              DefaultVersion: "v1",
              CreateDate: isoSeconds(ctx.now),
            },
          },
        };
      });
    },

    async AttachPolicyToUser(ctx) {
      const ref = policyRef(ctx.params);
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      ctx.authorize("ram:AttachPolicyToUser", policyResource(ref.policyName));
      ctx.authorize("ram:AttachPolicyToUser", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        attach(user.policies, { ...ref, attachTime: ctx.now }, "User");
        return { next: user, result: {} };
      });
    },

    async DetachPolicyFromUser(ctx) {
      const policyName = nameParam(ctx.params, "PolicyName", POLICY_NAME);
      const policyType = optionalEnum(ctx.params, "PolicyType", ["System", "Custom"] as const);
      if (policyType === undefined) throw cloudErrors.missingParameter("PolicyType");
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      ctx.authorize("ram:DetachPolicyFromUser", policyResource(policyName));
      ctx.authorize("ram:DetachPolicyFromUser", userResource(userName));
      return users.update(userName, (current) => {
        const user = existingUser(current, userName);
        detach(user.policies, { policyName, policyType }, "User");
        return { next: user, result: {} };
      });
    },

    async ListPoliciesForUser(ctx) {
      const userName = nameParam(ctx.params, "UserName", USER_NAME);
      ctx.authorize("ram:ListPoliciesForUser", userResource(userName));
      const user = existingUser(users.get(userName), userName);
      return { Policies: attachedView(user.policies) };
    },

    async AttachPolicyToRole(ctx) {
      const ref = policyRef(ctx.params);
      const roleName = nameParam(ctx.params, "RoleName", ROLE_NAME);
      ctx.authorize("ram:AttachPolicyToRole", policyResource(ref.policyName));
      ctx.authorize("ram:AttachPolicyToRole", roleResource(roleName));
      const stored = ram.findRole(roleName)?.roleName ?? roleName;
      return roles.update(stored, (current) => {
        if (!current) throw entityNotExist("Role", roleName);
        attach(current.policies, { ...ref, attachTime: ctx.now }, "Role");
        return { next: current, result: {} };
      });
    },

    async DetachPolicyFromRole(ctx) {
      const policyName = nameParam(ctx.params, "PolicyName", POLICY_NAME);
      const policyType = optionalEnum(ctx.params, "PolicyType", ["System", "Custom"] as const);
      if (policyType === undefined) throw cloudErrors.missingParameter("PolicyType");
      const roleName = nameParam(ctx.params, "RoleName", ROLE_NAME);
      ctx.authorize("ram:DetachPolicyFromRole", policyResource(policyName));
      ctx.authorize("ram:DetachPolicyFromRole", roleResource(roleName));
      const stored = ram.findRole(roleName)?.roleName ?? roleName;
      return roles.update(stored, (current) => {
        if (!current) throw entityNotExist("Role", roleName);
        detach(current.policies, { policyName, policyType }, "Role");
        return { next: current, result: {} };
      });
    },

    async ListPoliciesForRole(ctx) {
      const roleName = nameParam(ctx.params, "RoleName", ROLE_NAME);
      ctx.authorize("ram:ListPoliciesForRole", roleResource(roleName));
      const role = ram.findRole(roleName);
      if (!role) throw entityNotExist("Role", roleName);
      return { Policies: attachedView(role.policies) };
    },
  };

  return { code: "ram", apiVersion: RAM_API_VERSION, actions };
}

function accessKeyIdParam(params: RawParams): string {
  const value = optionalString(params, "UserAccessKeyId", {
    maxLength: 128,
    pattern: /^[A-Za-z0-9.]+$/,
    patternText: "an AccessKey id holds letters, digits and periods only",
  });
  if (value === undefined) throw cloudErrors.missingParameter("UserAccessKeyId");
  return value;
}

function accessKeyNotExist(accessKeyId: string, userName: string): CloudApiError {
  return new CloudApiError(
    404,
    "EntityNotExist.User.AccessKey",
    `The user access key ${accessKeyId} of user ${userName} does not exist.`,
  );
}

function roleExists(roleName: string): CloudApiError {
  return new CloudApiError(
    409,
    "EntityAlreadyExists.Role",
    `The role ${JSON.stringify(roleName)} already exists.`,
  );
}

/**
 * What the local cloud keeps about RAM users, roles and custom policies.
 * One record per user (its AccessKeys and attached policies inside it, so a
 * change to a user's keys is one serialised update), one per role, one per
 * custom policy.
 */

export type AccessKeyStatus = "Active" | "Inactive";

export interface AccessKeyRecord {
  accessKeyId: string;
  /** Held only to verify signatures; never returned after CreateAccessKey. */
  accessKeySecret: string;
  status: AccessKeyStatus;
  createTime: number;
}

export type PolicyType = "System" | "Custom";

export interface AttachedPolicy {
  policyName: string;
  policyType: PolicyType;
  attachTime: number;
}

export interface UserRecord {
  userName: string;
  userId: string;
  displayName: string;
  comments: string;
  email: string;
  mobilePhone: string;
  createTime: number;
  updateTime: number;
  accessKeys: AccessKeyRecord[];
  policies: AttachedPolicy[];
}

export interface RoleRecord {
  roleName: string;
  roleId: string;
  description: string;
  /** The trust policy as given (validated when the role was created). */
  assumeRolePolicyDocument: string;
  /** Longest session AssumeRole may grant, in seconds (3600..43200). */
  maxSessionDuration: number;
  createTime: number;
  updateTime: number;
  policies: AttachedPolicy[];
}

export interface PolicyRecord {
  policyName: string;
  description: string;
  /** The permission policy as given (validated when the policy was created). */
  policyDocument: string;
  createTime: number;
}

/** A RAM user holds at most this many AccessKeys, active or not. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

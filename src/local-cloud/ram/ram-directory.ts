/**
 * RAM's state and what other parts of the local cloud need from it: the
 * users', roles' and policies' durable stores, the users' AccessKeys for
 * signature checks, and the policies that apply to a caller. STS reads
 * roles from here too.
 */
import { CloudApiError } from "../api-error.ts";
import type { Principal, ResolvedKey } from "../auth/principal.ts";
import type { Identities } from "../identity.ts";
import type { Permissions } from "../policy/evaluate-policy.ts";
import { type PermissionPolicy, parsePermissionPolicy } from "../policy/policy-document.ts";
import type { RecordStore } from "../state/record-store.ts";
import type { AttachedPolicy, PolicyRecord, RoleRecord, UserRecord } from "./ram-records.ts";
import { SYSTEM_POLICIES } from "./system-policies.ts";

export interface RamStores {
  users: RecordStore<UserRecord>;
  roles: RecordStore<RoleRecord>;
  policies: RecordStore<PolicyRecord>;
}

export class RamDirectory {
  /** Parsed documents by their text: a policy is parsed once, not on every call. */
  private readonly parsed = new Map<string, PermissionPolicy>();

  constructor(
    readonly accountId: string,
    readonly stores: RamStores,
  ) {}

  /** Makes the users' keys authenticate and their (and roles') policies apply. */
  register(identities: Identities): void {
    identities.addSource((accessKeyId, securityToken) =>
      this.resolveUserKey(accessKeyId, securityToken),
    );
    identities.addPermissionSource((principal) => this.permissionsOf(principal));
  }

  userArn(userName: string): string {
    return `acs:ram::${this.accountId}:user/${userName}`;
  }

  roleArn(roleName: string): string {
    return `acs:ram::${this.accountId}:role/${roleName}`;
  }

  /** Role names are case-insensitive in ARNs (Alibaba writes them lower-case there). */
  findRole(roleName: string): RoleRecord | undefined {
    const exact = this.stores.roles.get(roleName);
    if (exact) return exact;
    const lower = roleName.toLowerCase();
    for (const role of this.stores.roles.values()) {
      if (role.roleName.toLowerCase() === lower) return role;
    }
    return undefined;
  }

  /** The documents of attached policies that still exist. */
  policiesFor(attached: readonly AttachedPolicy[]): PermissionPolicy[] {
    const documents: PermissionPolicy[] = [];
    for (const policy of attached) {
      const text =
        policy.policyType === "System"
          ? SYSTEM_POLICIES[policy.policyName]?.document
          : this.stores.policies.get(policy.policyName)?.policyDocument;
      if (text !== undefined) documents.push(this.parse(text));
    }
    return documents;
  }

  private permissionsOf(principal: Principal): Permissions | undefined {
    if (principal.kind !== "ram-user") return undefined;
    const user = this.stores.users.get(principal.userName);
    return { policies: user ? this.policiesFor(user.policies) : [] };
  }

  private parse(text: string): PermissionPolicy {
    let policy = this.parsed.get(text);
    if (!policy) {
      policy = parsePermissionPolicy(text);
      this.parsed.set(text, policy);
    }
    return policy;
  }

  private resolveUserKey(
    accessKeyId: string,
    securityToken: string | undefined,
  ): ResolvedKey | undefined {
    // Few users in a local cloud: a scan is simpler than an index kept in step with every update.
    for (const user of this.stores.users.values()) {
      const key = user.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
      if (!key) continue;
      if (key.status !== "Active") {
        throw new CloudApiError(
          400,
          "InvalidAccessKeyId.Inactive",
          "Specified access key is disabled.",
        );
      }
      if (securityToken !== undefined && securityToken !== "") {
        throw new CloudApiError(
          400,
          "InvalidSecurityToken.MismatchWithAccessKey",
          "The security token does not belong to the specified AccessKey.",
        );
      }
      return {
        secret: key.accessKeySecret,
        principal: {
          kind: "ram-user",
          accountId: this.accountId,
          accessKeyId,
          arn: this.userArn(user.userName),
          userName: user.userName,
        },
      };
    }
    return undefined;
  }
}

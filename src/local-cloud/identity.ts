/**
 * The AccessKeys the local cloud knows, who owns each, and what each owner
 * may do. It starts with the root account's key; RAM registers its users'
 * keys and policies here, STS its sessions' keys and the means to mint role
 * credentials for a cloud service (what FC does for a function's role).
 */
import { CloudApiError } from "./api-error.ts";
import type { KeyResolver, Principal, ResolvedKey } from "./auth/principal.ts";
import type { Permissions } from "./policy/evaluate-policy.ts";

/** A source of keys beyond the root's (RAM users, STS sessions). */
export type KeySource = (
  accessKeyId: string,
  securityToken: string | undefined,
  now: number,
) => ResolvedKey | undefined;

/** The policies that apply to a non-root principal; undefined when the source does not know it. */
export type PermissionSource = (principal: Principal) => Permissions | undefined;

/** Temporary credentials of a role, as STS AssumeRole hands them out. */
export interface RoleCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO time, e.g. `2024-05-01T09:00:00Z`. */
  expiration: string;
}

export interface ServiceRoleRequest {
  roleName: string;
  /** The service the role must trust; default `fc.aliyuncs.com`. */
  service?: string | undefined;
  /** Default 3600, at most the role's MaxSessionDuration. */
  durationSeconds?: number | undefined;
  /** Default `rotor-<service>`. */
  sessionName?: string | undefined;
}

/** Mints credentials of a role for a cloud service (registered by STS). */
export type ServiceRoleIssuer = (request: ServiceRoleRequest) => Promise<RoleCredentials>;

export class Identities implements KeyResolver {
  private readonly sources: KeySource[] = [];
  private readonly permissionSources: PermissionSource[] = [];
  private serviceRoleIssuer: ServiceRoleIssuer | undefined;

  constructor(
    private readonly root: { accountId: string; accessKeyId: string; accessKeySecret: string },
  ) {}

  get rootPrincipal(): Principal {
    return {
      kind: "root",
      accountId: this.root.accountId,
      accessKeyId: this.root.accessKeyId,
      arn: `acs:ram::${this.root.accountId}:root`,
    };
  }

  addSource(source: KeySource): void {
    this.sources.push(source);
  }

  addPermissionSource(source: PermissionSource): void {
    this.permissionSources.push(source);
  }

  /** What a principal may do; no policies at all (so everything denied) when nobody knows it. */
  permissionsOf(principal: Principal): Permissions {
    for (const source of this.permissionSources) {
      const permissions = source(principal);
      if (permissions) return permissions;
    }
    return { policies: [] };
  }

  setServiceRoleIssuer(issuer: ServiceRoleIssuer): void {
    this.serviceRoleIssuer = issuer;
  }

  /** Role credentials for a cloud service, as FC hands a function its role's keys. */
  assumeRoleForService(request: ServiceRoleRequest): Promise<RoleCredentials> {
    if (!this.serviceRoleIssuer) throw new Error("this local cloud does not serve STS");
    return this.serviceRoleIssuer(request);
  }

  resolve(accessKeyId: string, securityToken: string | undefined, now: number): ResolvedKey {
    if (accessKeyId === this.root.accessKeyId) {
      if (securityToken !== undefined && securityToken !== "") {
        throw new CloudApiError(
          400,
          "InvalidSecurityToken.MismatchWithAccessKey",
          "The security token does not belong to the specified AccessKey.",
        );
      }
      return { secret: this.root.accessKeySecret, principal: this.rootPrincipal };
    }
    for (const source of this.sources) {
      const resolved = source(accessKeyId, securityToken, now);
      if (resolved) return resolved;
    }
    throw new CloudApiError(
      404,
      "InvalidAccessKeyId.NotFound",
      "Specified access key is not found.",
    );
  }
}

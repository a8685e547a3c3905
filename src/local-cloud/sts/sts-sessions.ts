/**
 * STS role sessions: the temporary AccessKeys (`STS.` prefix) and security
 * tokens AssumeRole hands out. A session's key authenticates only with its
 * own token and only until it expires; its rights are the role's policies,
 * narrowed by the session policy when AssumeRole was given one.
 */
import { randomBytes, randomInt } from "node:crypto";
import { CloudApiError } from "../api-error.ts";
import type { Principal, ResolvedKey } from "../auth/principal.ts";
import type { Identities, RoleCredentials } from "../identity.ts";
import type { Permissions } from "../policy/evaluate-policy.ts";
import { parsePermissionPolicy } from "../policy/policy-document.ts";
import type { RamDirectory } from "../ram/ram-directory.ts";
import type { RoleRecord } from "../ram/ram-records.ts";
import type { RecordStore } from "../state/record-store.ts";
import { isoSeconds } from "../time-format.ts";

export interface SessionRecord {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  /** The session policy text as given to AssumeRole (validated then). */
  sessionPolicy?: string | undefined;
  createTime: number;
  expiration: number;
}

/** What an assumed-role caller is called in ARNs and GetCallerIdentity. */
export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `acs:ram::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** Expired sessions are forgotten this long after expiry, so their callers see "Expired" first. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export class StsSessions {
  constructor(
    private readonly ram: RamDirectory,
    private readonly store: RecordStore<SessionRecord>,
  ) {}

  register(identities: Identities): void {
    identities.addSource((accessKeyId, securityToken, now) =>
      this.resolveKey(accessKeyId, securityToken, now),
    );
    identities.addPermissionSource((principal) => this.permissionsOf(principal));
  }

  /** Starts a session of `role`; the caller has checked trust, permission and parameters. */
  async open(input: {
    role: RoleRecord;
    sessionName: string;
    durationSeconds: number;
    sessionPolicy?: string | undefined;
    now: number;
  }): Promise<{ credentials: RoleCredentials; session: SessionRecord }> {
    await this.forgetExpired(input.now);
    const session: SessionRecord = {
      accessKeyId: `STS.${randomAlphanumeric(25)}`,
      accessKeySecret: randomAlphanumeric(44),
      // Real tokens are long opaque blobs starting with CAIS; clients must not parse them.
      securityToken: `CAIS${randomBytes(96).toString("base64")}`,
      roleName: input.role.roleName,
      roleId: input.role.roleId,
      sessionName: input.sessionName,
      sessionPolicy: input.sessionPolicy,
      createTime: input.now,
      expiration: input.now + input.durationSeconds * 1000,
    };
    await this.store.update(session.accessKeyId, () => ({ next: session, result: undefined }));
    return {
      session,
      credentials: {
        accessKeyId: session.accessKeyId,
        accessKeySecret: session.accessKeySecret,
        securityToken: session.securityToken,
        expiration: isoSeconds(session.expiration),
      },
    };
  }

  private async forgetExpired(now: number): Promise<void> {
    const stale = [...this.store.values()].filter(
      (session) => session.expiration + FORGET_AFTER_MS < now,
    );
    for (const session of stale) {
      await this.store.update(session.accessKeyId, () => ({ next: undefined, result: undefined }));
    }
  }

  private permissionsOf(principal: Principal): Permissions | undefined {
    if (principal.kind !== "assumed-role") return undefined;
    const session = this.store.get(principal.accessKeyId);
    const role = session ? this.ram.findRole(session.roleName) : undefined;
    // A role deleted (or re-created under a new id) since the session began grants nothing.
    if (!session || !role || role.roleId !== session.roleId) return { policies: [] };
    return {
      policies: this.ram.policiesFor(role.policies),
      sessionPolicy:
        session.sessionPolicy === undefined
          ? undefined
          : parsePermissionPolicy(session.sessionPolicy),
    };
  }

  private resolveKey(
    accessKeyId: string,
    securityToken: string | undefined,
    now: number,
  ): ResolvedKey | undefined {
    const session = this.store.get(accessKeyId);
    if (!session) return undefined;
    if (securityToken === undefined || securityToken === "") {
      throw new CloudApiError(
        400,
        "InvalidSecurityToken.Malformed",
        "The security token is missing: temporary (STS) AccessKeys must be sent with their security token.",
      );
    }
    if (securityToken !== session.securityToken) {
      throw securityToken.startsWith("CAIS")
        ? new CloudApiError(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "The security token does not belong to the specified AccessKey.",
          )
        : new CloudApiError(
            400,
            "InvalidSecurityToken.Malformed",
            "The security token is malformed.",
          );
    }
    if (now >= session.expiration) {
      throw new CloudApiError(
        400,
        "InvalidSecurityToken.Expired",
        `The security token has expired (at ${isoSeconds(session.expiration)}).`,
      );
    }
    return {
      secret: session.accessKeySecret,
      principal: {
        kind: "assumed-role",
        accountId: this.ram.accountId,
        accessKeyId,
        arn: assumedRoleArn(this.ram.accountId, session.roleName, session.sessionName),
        roleName: session.roleName,
        sessionName: session.sessionName,
      },
    };
  }
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlphanumeric(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
}

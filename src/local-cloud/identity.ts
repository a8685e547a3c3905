/**
 * The AccessKeys the local cloud knows, and who owns each. It starts with the
 * root account's key; RAM users and STS sessions register theirs here too.
 */
import { CloudApiError } from "./api-error.ts";
import type { KeyResolver, Principal, ResolvedKey } from "./auth/principal.ts";

/** A source of keys beyond the root's (RAM users, STS sessions). */
export type KeySource = (
  accessKeyId: string,
  securityToken: string | undefined,
  now: number,
) => ResolvedKey | undefined;

export class Identities implements KeyResolver {
  private readonly sources: KeySource[] = [];

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

/**
 * Who made a request, once its signature is proven. The root account may do
 * anything; RAM users and assumed roles are checked against their policies.
 */
export type Principal =
  | { kind: "root"; accountId: string; accessKeyId: string; arn: string }
  | { kind: "ram-user"; accountId: string; accessKeyId: string; arn: string; userName: string }
  | {
      kind: "assumed-role";
      accountId: string;
      accessKeyId: string;
      arn: string;
      roleName: string;
      sessionName: string;
    };

/** What a signature check needs to know about an AccessKey. */
export interface ResolvedKey {
  secret: string;
  principal: Principal;
}

/**
 * Finds the secret and owner of an AccessKey. It throws a CloudApiError
 * with the real code when the key is unknown, inactive, or its security
 * token is missing, expired or does not belong to it.
 */
export interface KeyResolver {
  resolve(accessKeyId: string, securityToken: string | undefined, now: number): ResolvedKey;
}

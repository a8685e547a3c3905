/**
 * Typed calls to STS (API 2015-04-01): who a key belongs to
 * (GetCallerIdentity, the cheapest proof that a key works) and temporary
 * credentials of a role (AssumeRole).
 */
import type { AccessKeyCredentials } from "./credentials.ts";
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { optionalStr, str, type WireObject } from "./response-fields.ts";

export interface CallerIdentity {
  accountId: string;
  /** e.g. `acs:ram::123:user/alice` or `acs:ram::123:assumed-role/rotor/session`. */
  arn: string;
  identityType: "Account" | "RAMUser" | "AssumedRoleUser" | string;
  principalId: string;
  userId?: string | undefined;
  roleId?: string | undefined;
  requestId: string;
}

export interface AssumedRole {
  credentials: Required<AccessKeyCredentials>;
  /** ISO time the credentials stop working. */
  expiration: string;
  assumedRoleArn: string;
  requestId: string;
}

export type StsClientOptions = Omit<CallerOptions, "product">;

export class StsClient {
  readonly caller: OpenApiCaller;

  constructor(options: StsClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "sts" });
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    const body = await this.caller.call<WireObject>("GetCallerIdentity", {});
    return {
      accountId: str(body.AccountId),
      arn: str(body.Arn),
      identityType: str(body.IdentityType),
      principalId: str(body.PrincipalId),
      userId: optionalStr(body.UserId),
      roleId: optionalStr(body.RoleId),
      requestId: str(body.RequestId),
    };
  }

  /**
   * Credentials of the role `roleArn` (`acs:ram::<account>:role/<name>`),
   * optionally narrowed by a session `policy` (a policy document).
   */
  async assumeRole(input: {
    roleArn: string;
    roleSessionName: string;
    durationSeconds?: number;
    policy?: string;
  }): Promise<AssumedRole> {
    const body = await this.caller.call<WireObject>("AssumeRole", {
      RoleArn: input.roleArn,
      RoleSessionName: input.roleSessionName,
      DurationSeconds: input.durationSeconds,
      Policy: input.policy,
    });
    const credentials = (body.Credentials ?? {}) as WireObject;
    const user = (body.AssumedRoleUser ?? {}) as WireObject;
    return {
      credentials: {
        accessKeyId: str(credentials.AccessKeyId),
        accessKeySecret: str(credentials.AccessKeySecret),
        securityToken: str(credentials.SecurityToken),
      },
      expiration: str(credentials.Expiration),
      assumedRoleArn: str(user.Arn),
      requestId: str(body.RequestId),
    };
  }
}

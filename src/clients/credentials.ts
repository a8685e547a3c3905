/**
 * Who Rotor calls Alibaba Cloud as. Explicit credentials win (FC hands the
 * function role's STS keys in `context.credentials`); otherwise the standard
 * Alibaba credential chain (environment variables, config file, ECS RAM
 * role, …) decides, exactly as in every official SDK.
 */
import * as credentialsModule from "@alicloud/credentials";
import { commonJsDefault } from "./commonjs-default.ts";

export interface AccessKeyCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS (temporary) credentials. */
  securityToken?: string | undefined;
}

const Credential = commonJsDefault(credentialsModule);
type CredentialClient = InstanceType<typeof Credential>;

/** A credential client for the OpenAPI client's `credential` option. */
export function credentialClient(explicit?: AccessKeyCredentials): CredentialClient {
  if (explicit === undefined) return new Credential();
  const config = new credentialsModule.Config(
    explicit.securityToken
      ? {
          type: "sts",
          accessKeyId: explicit.accessKeyId,
          accessKeySecret: explicit.accessKeySecret,
          securityToken: explicit.securityToken,
        }
      : {
          type: "access_key",
          accessKeyId: explicit.accessKeyId,
          accessKeySecret: explicit.accessKeySecret,
        },
  );
  return new Credential(config);
}

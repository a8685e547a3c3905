/**
 * Who Rotor calls Alibaba Cloud as. Explicit credentials win (FC hands the
 * function role's STS keys in `context.credentials`); otherwise the standard
 * Alibaba credential chain (environment variables, config file, ECS RAM
 * role, …) decides, exactly as in every official SDK.
 */
import * as credentialsModule from "@alicloud/credentials";
import { commonJsDefault } from "./commonjs-default.ts";
import { type Env, readEnv } from "./env.ts";

export interface AccessKeyCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS (temporary) credentials. */
  securityToken?: string | undefined;
}

const Credential = commonJsDefault(credentialsModule);
type CredentialClient = InstanceType<typeof Credential>;

/**
 * The environment's AccessKey (the credential chain's first source), read
 * from `env` rather than process.env so callers that carry their own
 * environment (the CLI under test, an FC context) are honoured.
 */
export function credentialsFromEnv(env: Env): AccessKeyCredentials | undefined {
  const accessKeyId = readEnv("ALIBABA_CLOUD_ACCESS_KEY_ID", env);
  const accessKeySecret = readEnv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", env);
  if (accessKeyId === undefined || accessKeySecret === undefined) return undefined;
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: readEnv("ALIBABA_CLOUD_SECURITY_TOKEN", env),
  };
}

/**
 * A credential client for the OpenAPI client's `credential` option:
 * explicit credentials, else the environment's, else the rest of Alibaba's
 * default chain (config file, ECS RAM role, …).
 */
export function credentialClient(
  explicit?: AccessKeyCredentials,
  env: Env = process.env,
): CredentialClient {
  explicit ??= credentialsFromEnv(env);
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

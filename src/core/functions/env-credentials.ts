/**
 * Credentials from the standard ALIBABA_CLOUD_* variables of a given
 * environment (the CLI's, which tests replace), or undefined to let the
 * Alibaba credential chain decide.
 */
import { ConfigError, type Env, readEnv } from "@rotor/cloud-api";
import type { FcCredentials } from "./fc-context.ts";

export function envCredentials(env: Env): FcCredentials | undefined {
  const accessKeyId = readEnv("ALIBABA_CLOUD_ACCESS_KEY_ID", env);
  const accessKeySecret = readEnv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", env);
  if (accessKeyId === undefined && accessKeySecret === undefined) return undefined;
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    throw new ConfigError(
      "Set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither",
    );
  }
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: readEnv("ALIBABA_CLOUD_SECURITY_TOKEN", env),
  };
}

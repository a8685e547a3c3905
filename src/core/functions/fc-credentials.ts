/**
 * The invocation's credentials from FC's `context.credentials` (the
 * function role's STS keys). A function without a role gets none: the
 * standard credential chain (ALIBABA_CLOUD_* variables) applies then.
 * Half-filled credentials are a configuration error named as such. The
 * keys are marked secret for the logger.
 */
import { ConfigError } from "@rotor/cloud-api";
import type { JsonLogger } from "../engine/json-logger.ts";
import type { FcContext, FcCredentials } from "./fc-context.ts";

export function credentialsOf(context: FcContext, log: JsonLogger): FcCredentials | undefined {
  const given = context.credentials;
  if (given === undefined || given === null) return undefined;
  if (
    typeof given.accessKeyId !== "string" ||
    typeof given.accessKeySecret !== "string" ||
    !given.accessKeyId ||
    !given.accessKeySecret
  ) {
    throw new ConfigError(
      "context.credentials needs accessKeyId and accessKeySecret (and securityToken for STS keys)",
    );
  }
  log.redact(given.accessKeySecret);
  if (given.securityToken) log.redact(given.securityToken);
  return {
    accessKeyId: given.accessKeyId,
    accessKeySecret: given.accessKeySecret,
    securityToken: given.securityToken || undefined,
  };
}

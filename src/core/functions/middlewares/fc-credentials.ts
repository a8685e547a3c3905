/**
 * Credentials from FC's `context.credentials` (the function role's STS
 * keys). A function without a role gets none: the standard credential chain
 * (ALIBABA_CLOUD_* variables) applies then. Half-filled credentials are a
 * configuration error named as such. The keys are marked secret for the logger.
 */
import { ConfigError } from "@rotor/cloud-api";
import { type RotationMiddyRequest, state } from "./handler-state.ts";

export function fcCredentials() {
  return {
    name: "rotor-fc-credentials",
    before(request: RotationMiddyRequest): void {
      const given = request.context?.credentials;
      if (given === undefined || given === null) return;
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
      const log = state(request)["rotor.log"];
      log?.redact(given.accessKeySecret);
      if (given.securityToken) log?.redact(given.securityToken);
      state(request)["rotor.credentials"] = {
        accessKeyId: given.accessKeyId,
        accessKeySecret: given.accessKeySecret,
        securityToken: given.securityToken || undefined,
      };
    },
  };
}

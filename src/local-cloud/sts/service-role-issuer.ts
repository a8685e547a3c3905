/**
 * Role credentials for a cloud service, minted without a signed request:
 * what Function Compute does when it hands a function the STS keys of its
 * role. The role's trust policy must name the service (by default
 * `fc.aliyuncs.com`), exactly as on the real cloud, so a function cannot
 * run as a role that never agreed to it.
 */
import { CloudApiError } from "../api-error.ts";
import type { RoleCredentials, ServiceRoleRequest } from "../identity.ts";
import { parseTrustPolicy } from "../policy/policy-document.ts";
import { trustAllows } from "../policy/trust-check.ts";
import type { RamDirectory } from "../ram/ram-directory.ts";
import { checkDuration, checkSessionName } from "./role-session-rules.ts";
import type { StsSessions } from "./sts-sessions.ts";

export const DEFAULT_SERVICE = "fc.aliyuncs.com";

export function serviceRoleIssuer(
  ram: RamDirectory,
  sessions: StsSessions,
  now: () => number,
): (request: ServiceRoleRequest) => Promise<RoleCredentials> {
  return async (request) => {
    const service = request.service ?? DEFAULT_SERVICE;
    const role = ram.findRole(request.roleName);
    if (!role) {
      throw new CloudApiError(
        404,
        "EntityNotExist.Role",
        `The role ${JSON.stringify(request.roleName)} does not exist.`,
      );
    }
    const sessionName = checkSessionName(request.sessionName ?? `rotor-${service.split(".")[0]}`);
    const durationSeconds = checkDuration(role, request.durationSeconds);
    if (
      !trustAllows(parseTrustPolicy(role.assumeRolePolicyDocument), { kind: "service", service })
    ) {
      throw new CloudApiError(
        403,
        "NoPermission",
        `The trust policy of role ${role.roleName} does not allow the service ${service} to assume it.`,
      );
    }
    const { credentials } = await sessions.open({ role, sessionName, durationSeconds, now: now() });
    return credentials;
  };
}

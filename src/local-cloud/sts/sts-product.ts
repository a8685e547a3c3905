/**
 * STS (API 2015-04-01) in the local cloud: GetCallerIdentity (who signed
 * this request) and AssumeRole (temporary credentials of a RAM role whose
 * trust policy allows the caller, optionally narrowed by a session policy).
 */
import { CloudApiError } from "../api-error.ts";
import { parseTrustPolicy } from "../policy/policy-document.ts";
import { trustAllows } from "../policy/trust-check.ts";
import type { ActionHandler, Product } from "../product.ts";
import type { RamDirectory } from "../ram/ram-directory.ts";
import {
  checkDuration,
  checkSessionName,
  checkSessionPolicy,
  parseDurationParam,
  roleFromArn,
} from "./role-session-rules.ts";
import { assumedRoleArn, type StsSessions } from "./sts-sessions.ts";

export const STS_API_VERSION = "2015-04-01";

export function createStsProduct(ram: RamDirectory, sessions: StsSessions): Product {
  const actions: Record<string, ActionHandler> = {
    // Anyone whose signature is valid may ask who they are: no permission needed.
    async GetCallerIdentity(ctx) {
      const principal = ctx.principal;
      const base = { AccountId: principal.accountId, Arn: principal.arn };
      if (principal.kind === "root") {
        return {
          ...base,
          IdentityType: "Account",
          UserId: principal.accountId,
          PrincipalId: principal.accountId,
        };
      }
      if (principal.kind === "ram-user") {
        const userId = ram.stores.users.get(principal.userName)?.userId ?? "";
        return { ...base, IdentityType: "RAMUser", UserId: userId, PrincipalId: userId };
      }
      const roleId = ram.findRole(principal.roleName)?.roleId ?? "";
      return {
        ...base,
        IdentityType: "AssumedRoleUser",
        RoleId: roleId,
        PrincipalId: `${roleId}:${principal.sessionName}`,
      };
    },

    async AssumeRole(ctx) {
      const role = roleFromArn(ram, ctx.params.RoleArn);
      const sessionName = checkSessionName(ctx.params.RoleSessionName);
      const durationSeconds = checkDuration(role, parseDurationParam(ctx.params.DurationSeconds));
      const sessionPolicy = checkSessionPolicy(ctx.params.Policy);
      if (ctx.principal.kind === "root") {
        throw new CloudApiError(
          403,
          "NoPermission",
          "Roles may not be assumed by root accounts; call AssumeRole as a RAM user or role.",
        );
      }
      ctx.authorize("sts:AssumeRole", ram.roleArn(role.roleName));
      const assumer = {
        kind: "identity" as const,
        accountId: ctx.principal.accountId,
        arn: ctx.principal.arn,
      };
      if (!trustAllows(parseTrustPolicy(role.assumeRolePolicyDocument), assumer)) {
        throw new CloudApiError(
          403,
          "NoPermission",
          `The trust policy of role ${role.roleName} does not allow ${ctx.principal.arn} to assume it.`,
        );
      }
      const { credentials } = await sessions.open({
        role,
        sessionName,
        durationSeconds,
        sessionPolicy,
        now: ctx.now,
      });
      return {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          AccessKeySecret: credentials.accessKeySecret,
          SecurityToken: credentials.securityToken,
          Expiration: credentials.expiration,
        },
        AssumedRoleUser: {
          Arn: assumedRoleArn(ram.accountId, role.roleName, sessionName),
          AssumedRoleId: `${role.roleId}:${sessionName}`,
        },
      };
    },
  };
  return { code: "sts", apiVersion: STS_API_VERSION, actions };
}

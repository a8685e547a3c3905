/**
 * The access check every action runs through `ctx.authorize`: the root
 * account may do anything; a RAM user or a role session may do what its
 * policies allow (Deny wins, and a session policy only narrows). A refusal
 * carries the product's own code: RAM and STS answer `NoPermission`,
 * EventBridge `AccessDenied` (its error-code list), KMS and the others
 * `Forbidden.NoPermission`.
 */
import { CloudApiError } from "../api-error.ts";
import type { Principal } from "../auth/principal.ts";
import type { Identities } from "../identity.ts";
import { isAllowed } from "./evaluate-policy.ts";

const DENIED_CODES: Readonly<Record<string, string>> = {
  ram: "NoPermission",
  sts: "NoPermission",
  eventbridge: "AccessDenied",
};

export function authorizeCall(
  identities: Identities,
  productCode: string,
  principal: Principal,
  ramAction: string,
  resource: string,
): void {
  if (principal.kind === "root") return;
  if (isAllowed(identities.permissionsOf(principal), ramAction, resource)) return;
  throw new CloudApiError(
    403,
    DENIED_CODES[productCode] ?? "Forbidden.NoPermission",
    `You are not authorized to do ${ramAction} on ${resource} (caller ${principal.arn}).`,
  );
}

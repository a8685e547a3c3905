/**
 * Whose keys a RAM AccessKey rotation may touch. The deployment names the
 * users by prefix (ROTOR_RAM_USER_PREFIXES); and before any key is created,
 * deleted or set Inactive, the secret proves it holds a working key of the
 * very user it names: a key that RAM lists as that user's, whose secret
 * signs STS GetCallerIdentity as that user. A secret naming another user,
 * with a key id that is not that user's or a key it cannot sign with,
 * yields nothing: the other user's keys stay as they are.
 */
import type { AccessKeySummary } from "@rotor/cloud-api";
import { ApiError, PolicyError } from "@rotor/cloud-api";
import { allowsPrefix, describeAllowed } from "../../contract/deploy-policy.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import { CredentialNotProvenError } from "../../contract/trust-boundary-errors.ts";
import type { RamAccessKeyClients } from "./ram-access-key-clients.ts";
import type { RamAccessKeyValue } from "./ram-access-key-value.ts";

/** Refuses a user outside ROTOR_RAM_USER_PREFIXES; calls nothing. */
export function checkUserAllowed(ctx: RotatorContext<unknown>, userName: string): void {
  const allowed = ctx.policy.ramUserPrefixes;
  if (!allowsPrefix(allowed, userName)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names RAM user ${userName}, whose AccessKeys this function may not manage (ROTOR_RAM_USER_PREFIXES: ${describeAllowed(allowed)}); nothing was called`,
    );
  }
}

/**
 * Resolves once one of `held` (the secret's keys, current first) is one of
 * the user's `keys` and authenticates as that user; CredentialNotProvenError
 * otherwise. Keys RAM does not list for the user are not even tried.
 */
export async function proveUserKey(
  held: readonly RamAccessKeyValue[],
  keys: readonly AccessKeySummary[],
  clients: RamAccessKeyClients,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  const userName = held[0]?.UserName ?? "";
  const listed = new Set(keys.map((key) => key.accessKeyId));
  for (const value of held) {
    if (value.UserName !== userName || !listed.has(value.AccessKeyId)) continue;
    try {
      const identity = await ctx.external("sts.GetCallerIdentity", () =>
        clients
          .stsAs({ accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret })
          .getCallerIdentity(),
      );
      if (identity.identityType === "RAMUser" && identity.arn.endsWith(`:user/${userName}`)) {
        return;
      }
    } catch (error) {
      // A key STS refuses (Inactive, a wrong secret) proves nothing: try the next.
      if (!(error instanceof ApiError)) throw error;
    }
  }
  const ids = held.map((value) => value.AccessKeyId).join(", ");
  throw new CredentialNotProvenError(
    `Secret ${ctx.secretName}: none of its AccessKeys (${ids}) is an Active key of RAM user ${userName} that authenticates as that user: keys are created and deleted only for a user whose key the secret proves, so nothing was changed. Store a working key of ${userName} in the secret (or set its key Active again) and rotate again`,
  );
}

/**
 * Reading a master or privileged secret (a database administrator's login,
 * a root login, a webhook's signing key): only those whose names the
 * function's deployment allows (ROTOR_MASTER_SECRET_PREFIXES), so a secret's
 * writer cannot point Rotor at another team's credentials by name.
 */

import { PolicyError } from "@rotor/cloud-api";
import { allowsPrefix, describeAllowed } from "./deploy-policy.ts";
import type { RotatorContext } from "./rotator-contract.ts";

/**
 * The ACSCurrent value of a privileged secret, or a PolicyError naming the
 * secret and the allowed prefixes, before anything is read.
 *
 * @param role what the secret is for, as the error names it, e.g. "master secret".
 */
export async function readPrivilegedSecret(
  ctx: RotatorContext<unknown>,
  secretName: string,
  role: string,
): Promise<string> {
  checkPrivilegedSecretName(ctx, secretName, role);
  return ctx.readSecret(secretName);
}

/**
 * The same refusal without the read: for a step that names the secret
 * early (createSecret) so that nothing is stored for a rotation a later
 * step would have to refuse.
 */
export function checkPrivilegedSecretName(
  ctx: RotatorContext<unknown>,
  secretName: string,
  role: string,
): void {
  const allowed = ctx.policy.masterSecretPrefixes;
  if (!allowsPrefix(allowed, secretName)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names ${role} ${secretName}, outside the prefixes this function may read (ROTOR_MASTER_SECRET_PREFIXES: ${describeAllowed(allowed)}); nothing was read`,
    );
  }
}

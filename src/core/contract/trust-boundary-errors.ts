/**
 * The two refusals that keep a rotation inside what its secret's writer
 * could already do: a privileged credential is only ever sent to the target
 * it belongs to, and nothing privileged is changed for an account whose
 * current credentials the secret cannot prove. Both are raised before any
 * credential leaves the function or anything changes; messages name
 * secrets, accounts, hosts and fields, never a value.
 */
import { RotorError } from "@rotor/cloud-api";

/** A master or privileged credential belongs to another target than the secret names. */
export class TargetMismatchError extends RotorError {
  override name = "TargetMismatchError";
}

/** The secret holds no credential that works for the account a privileged change would touch. */
export class CredentialNotProvenError extends RotorError {
  override name = "CredentialNotProvenError";
}

/**
 * The refusal for a secret whose target differs from its privileged
 * credential's, naming the fields that differ (not their values).
 *
 * @param role what the privileged secret is, e.g. "master secret".
 */
export function targetMismatch(
  secretName: string,
  role: string,
  privilegedName: string,
  differing: readonly string[],
): TargetMismatchError {
  const fields = `${differing.join(", ")} ${differing.length === 1 ? "differs" : "differ"}`;
  return new TargetMismatchError(
    `Secret ${secretName} points at another target than its ${role} ${privilegedName} belongs to (${fields}): the credentials of a ${role} go only to their own target, so nothing was sent`,
  );
}

/** Host names compare as DNS compares them: without regard to case or a final dot. */
export function sameHost(a: string, b: string): boolean {
  const normal = (host: string) => host.trim().toLowerCase().replace(/\.$/, "");
  return normal(a) === normal(b);
}

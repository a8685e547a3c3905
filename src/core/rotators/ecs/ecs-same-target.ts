/**
 * A pending value must name the account and server of the current one: a
 * rotation step never applies a value that someone pointed at another
 * account (AWS's "pending user must be the current user's" check).
 */
import { ValidationError } from "@rotor/cloud-api";
import type { SshTargetFields } from "./ecs-ssh-login.ts";

export function checkSameTarget(
  current: SshTargetFields,
  pending: SshTargetFields,
  secretName: string,
): void {
  const fields = ["UserName", "host", "port", "hostKeyFingerprint", "privilegedSecret"] as const;
  const differing = fields.filter((field) => current[field] !== pending[field]);
  if (differing.length > 0) {
    throw new ValidationError(
      `The pending value of secret ${secretName} differs from the current one in ${differing.join(", ")}: a rotation only changes the credential, refusing to apply it`,
    );
  }
}

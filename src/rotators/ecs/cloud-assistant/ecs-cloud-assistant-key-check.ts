/**
 * Proves an SSH key pair on an instance without logging in (there may be no
 * inbound SSH): the private key must be the public key's pair (checked
 * here, the private key never leaves this process), and the public key
 * must be in the user's authorized_keys (read through Cloud Assistant).
 */
import { RotorError, ValidationError } from "../../../errors.ts";
import { parsePublicKeyLine } from "../ecs-authorized-keys.ts";
import { readAuthorizedKeys } from "../ecs-remote-authorized-keys.ts";
import type { SshSession } from "../ecs-ssh-session.ts";
import { loadSsh2 } from "../ssh2-driver.ts";

/** The key is not (or no longer) authorized for the user. */
export class EcsKeyNotAuthorizedError extends RotorError {
  override name = "EcsKeyNotAuthorizedError";
}

/** Throws ValidationError unless `privateKey` is the pair of `publicKeyLine`. */
export async function checkKeyPairMatches(
  publicKeyLine: string,
  privateKey: string,
): Promise<void> {
  const { blob } = parsePublicKeyLine(publicKeyLine, "PublicKey");
  const { utils } = await loadSsh2();
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new ValidationError("PrivateKey must be an unencrypted SSH private key");
  }
  if (key.getPublicSSH().toString("base64") !== blob) {
    throw new ValidationError("PrivateKey is not the private half of PublicKey");
  }
}

export async function checkKeyAuthorized(
  session: SshSession,
  userName: string,
  publicKeyLine: string,
  privateKey: string,
): Promise<void> {
  await checkKeyPairMatches(publicKeyLine, privateKey);
  const { blob } = parsePublicKeyLine(publicKeyLine, "PublicKey");
  const { content } = await readAuthorizedKeys(session, userName);
  const authorized = content
    .split("\n")
    .some((line) => !line.trim().startsWith("#") && line.trim().split(/\s+/).includes(blob));
  if (!authorized) {
    throw new EcsKeyNotAuthorizedError(
      `the key is not in ${userName}'s authorized_keys on instance ${session.endpoint.host}`,
    );
  }
}

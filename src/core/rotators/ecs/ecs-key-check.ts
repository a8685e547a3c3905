/**
 * Proves an SSH key pair on a server without logging in with it (there may
 * be no inbound SSH): the private key must be the public key's pair
 * (checked here, the private key never leaves this process), and the
 * public key must be in the user's authorized_keys (read by root, over a
 * privileged login or Cloud Assistant).
 *
 * heldKeyIn is what such a root session checks before it edits the file:
 * the secret must hold a key the user logs in with now.
 */
import { RotorError, ValidationError } from "@rotor/cloud-api";
import { CredentialNotProvenError } from "../../contract/trust-boundary-errors.ts";
import { parsePublicKeyLine } from "./ecs-authorized-keys.ts";
import { readAuthorizedKeys } from "./ecs-remote-authorized-keys.ts";
import type { SshSession } from "./ecs-ssh-session.ts";
import { loadSsh2 } from "./ssh2-driver.ts";

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
  if (!authorizes(content, blob)) {
    throw new EcsKeyNotAuthorizedError(
      `the key is not in ${userName}'s authorized_keys on instance ${session.endpoint.host}`,
    );
  }
}

/** True when a non-comment line of an authorized_keys file carries the key blob. */
function authorizes(content: string, blob: string): boolean {
  return content
    .split("\n")
    .some((line) => !line.trim().startsWith("#") && line.trim().split(/\s+/).includes(blob));
}

/** A key pair the secret holds (in its current, pending or previous version). */
export interface KeyCandidate {
  PublicKey: string;
  PrivateKey: string;
}

/**
 * The key blobs of the candidates whose private key is their public key's
 * pair: what heldKeyIn looks for. Checked here: no private key leaves.
 */
export async function ownKeyBlobs(candidates: readonly KeyCandidate[]): Promise<string[]> {
  const owned: string[] = [];
  for (const candidate of candidates) {
    try {
      await checkKeyPairMatches(candidate.PublicKey, candidate.PrivateKey);
    } catch (error) {
      if (error instanceof ValidationError) continue;
      throw error;
    }
    owned.push(parsePublicKeyLine(candidate.PublicKey, "PublicKey").blob);
  }
  return owned;
}

/**
 * Throws CredentialNotProvenError unless `content` (the user's
 * authorized_keys as read) authorizes one of the secret's own key pairs
 * (`owned`, their blobs): root edits the file only for a user whose key
 * the secret proves.
 */
export function heldKeyIn(
  content: string,
  owned: readonly string[],
  where: { secretName: string; userName: string; server: string },
): void {
  if (owned.some((blob) => authorizes(content, blob))) return;
  throw new CredentialNotProvenError(
    `Secret ${where.secretName}: none of the keys the secret holds is in ${where.userName}'s authorized_keys on ${where.server}: keys are edited as root only for a user whose key the secret proves, so nothing was changed`,
  );
}

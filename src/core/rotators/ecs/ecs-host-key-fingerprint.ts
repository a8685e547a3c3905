/**
 * SSH host key fingerprints in OpenSSH's SHA256 form (`ssh-keygen -l`):
 * "SHA256:" and the unpadded base64 of the SHA-256 of the key blob. A pinned
 * fingerprint is the only way a rotation trusts a server; there is no
 * "accept any key" switch.
 */
import { createHash } from "node:crypto";
import { ValidationError } from "@rotor/cloud-api";

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The fingerprint of a host key blob as the SSH transport hands it over. */
export function fingerprintOfHostKey(keyBlob: Buffer): string {
  const digest = createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
  return `SHA256:${digest}`;
}

/** Checks a configured fingerprint's shape; `field` names it in the error. */
export function parseHostKeyFingerprint(value: unknown, field: string): string {
  if (typeof value !== "string" || !FINGERPRINT.test(value.trim())) {
    throw new ValidationError(
      `${field} must be an SSH host key fingerprint like "SHA256:" followed by 43 base64 characters (ssh-keygen -l -E sha256 -f <host key>.pub prints it)`,
    );
  }
  return value.trim();
}

/**
 * New SSH key pairs in OpenSSH format: the private key as
 * "-----BEGIN OPENSSH PRIVATE KEY-----" text (what ssh and ssh2 read), the
 * public key as one authorized_keys line whose comment tags the rotation.
 * ssh2's key generator writes both formats from node:crypto keys.
 */
import { ValidationError } from "@rotor/cloud-api";
import { loadSsh2 } from "./ssh2-driver.ts";

export const KEY_ALGORITHMS = ["ed25519", "rsa-3072", "rsa-4096"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export interface SshKeyPair {
  /** `ssh-ed25519 AAAA… <comment>` */
  publicKey: string;
  /** OpenSSH private key text, unencrypted (KMS encrypts the secret). */
  privateKey: string;
}

export function parseKeyAlgorithm(value: unknown, field: string): KeyAlgorithm {
  if (value === undefined) return "ed25519";
  if (typeof value === "string" && (KEY_ALGORITHMS as readonly string[]).includes(value))
    return value as KeyAlgorithm;
  throw new ValidationError(`${field} must be one of ${KEY_ALGORITHMS.join(", ")}`);
}

export async function generateSshKeyPair(
  algorithm: KeyAlgorithm,
  comment: string,
): Promise<SshKeyPair> {
  const { utils } = await loadSsh2();
  // ssh2's generator now and then (about 1 ed25519 key in 200) writes a
  // private key its own parser calls malformed: such a key could never log
  // in, so draw again.
  for (let attempt = 1; ; attempt++) {
    const pair =
      algorithm === "ed25519"
        ? utils.generateKeyPairSync("ed25519", { comment })
        : utils.generateKeyPairSync("rsa", {
            bits: algorithm === "rsa-3072" ? 3072 : 4096,
            comment,
          });
    if (!(utils.parseKey(pair.private) instanceof Error) || attempt >= 10) {
      return { publicKey: pair.public.trim(), privateKey: pair.private };
    }
  }
}

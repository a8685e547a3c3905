/**
 * Editing an authorized_keys file's text. A key a rotation adds carries the
 * comment `rotor:<owner>:<versionId>` (owner: the secret's name), so a re-run
 * recognises its own line and later rotations find the keys they may remove.
 * Every other line, including keys of other owners, comments and blank lines,
 * is kept byte for byte.
 */
import { ValidationError } from "@rotor/cloud-api";

const VERSION_ID = /^[A-Za-z0-9._-]{1,64}$/;
const OWNER = /^[A-Za-z0-9_/+=.@-]{1,192}$/;
/** `type base64 [comment]` with nothing a shell or sshd could read as options. */
const PUBLIC_KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) ([A-Za-z0-9+/]+={0,2})( [\x21-\x7e]+)?$/;

/** The comment that tags a rotation's key. */
export function rotationKeyComment(owner: string, versionId: string): string {
  if (!OWNER.test(owner))
    throw new ValidationError("the key owner must be a secret name (letters, digits, _/+=.@-)");
  if (!VERSION_ID.test(versionId)) {
    throw new ValidationError(
      "a version id for an SSH key must be 1 to 64 letters, digits, '.', '_' or '-'",
    );
  }
  return `rotor:${owner}:${versionId}`;
}

/** Checks a public key line's shape; `field` names it in the error. */
export function parsePublicKeyLine(value: unknown, field: string): { type: string; blob: string } {
  const match = typeof value === "string" ? PUBLIC_KEY_LINE.exec(value.trim()) : null;
  if (!match?.[1] || !match[3]) {
    throw new ValidationError(
      `${field} must be one OpenSSH public key line: "ssh-ed25519 AAAA… comment" (or ssh-rsa, ecdsa-sha2-nistp256)`,
    );
  }
  return { type: match[1], blob: match[3] };
}

function lines(content: string): string[] {
  if (content === "") return [];
  const all = content.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}

function join(all: string[]): string {
  return all.length === 0 ? "" : `${all.join("\n")}\n`;
}

/** The key blob of a key line (options before the type are allowed). */
function blobOf(line: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  const typeAt = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
  return typeAt >= 0 ? fields[typeAt + 1] : undefined;
}

/** The version id of a line this owner's rotations added, if it is one. */
export function rotationVersionOf(line: string, owner: string): string | undefined {
  const last = line.trim().split(/\s+/).at(-1) ?? "";
  const prefix = `rotor:${owner}:`;
  if (!last.startsWith(prefix) || line.trim().startsWith("#")) return undefined;
  const versionId = last.slice(prefix.length);
  return VERSION_ID.test(versionId) ? versionId : undefined;
}

/** `content` with `publicKeyLine` appended, unless that key is already there. */
export function withKey(content: string, publicKeyLine: string): string {
  const { blob } = parsePublicKeyLine(publicKeyLine, "PublicKey");
  const all = lines(content);
  if (all.some((line) => blobOf(line) === blob)) return content;
  return join([...all, publicKeyLine.trim()]);
}

/** `content` without this owner's rotation keys, except those of `keep`. */
export function withoutRotationKeys(
  content: string,
  owner: string,
  keep: ReadonlySet<string>,
): string {
  const all = lines(content);
  const kept = all.filter((line) => {
    const versionId = rotationVersionOf(line, owner);
    return versionId === undefined || keep.has(versionId);
  });
  return kept.length === all.length ? content : join(kept);
}

/** `content` without any line holding `publicKeyLine`'s key, whatever its comment. */
export function withoutKey(content: string, publicKeyLine: string): string {
  const { blob } = parsePublicKeyLine(publicKeyLine, "PublicKey");
  const all = lines(content);
  const kept = all.filter((line) => line.trim().startsWith("#") || blobOf(line) !== blob);
  return kept.length === all.length ? content : join(kept);
}

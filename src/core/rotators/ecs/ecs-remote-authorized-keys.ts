/**
 * Reads and rewrites a user's ~/.ssh/authorized_keys over an SSH session,
 * always as that user (directly, or through runuser from a root login) so
 * the file keeps its owner, and with mode 0600 in a 0700 folder as sshd's
 * StrictModes wants. Symbolic links are refused: a root login following one
 * could be tricked into reading or overwriting another file.
 *
 * A rewrite is a compare-and-swap: it replaces the file only if it still
 * has the content that was read, and atomically (temporary file + rename),
 * so a concurrent edit by someone else is never lost.
 */
import { RotorError } from "@rotor/cloud-api";
import { parseAccountName } from "./ecs-account-name.ts";
import { EcsCommandError } from "./ecs-ssh-errors.ts";
import type { SshSession } from "./ecs-ssh-session.ts";

const PATHS = `d="$HOME/.ssh"; f="$d/authorized_keys"
if [ -L "$d" ] || [ -L "$f" ]; then echo "$f or its folder is a symbolic link: refusing to follow it" >&2; exit 3; fi`;

/** Prints the file's SHA-256 (or "absent") on the first line, then the file. */
const READ_SCRIPT = `${PATHS}
if [ -e "$f" ]; then sha256sum < "$f" | cut -c1-64 && cat "$f" || exit 1; else echo absent; fi`;

/** $1: the SHA-256 the file must still have (or "absent"); stdin: new content. */
const WRITE_SCRIPT = `umask 077
${PATHS}
if [ ! -d "$d" ]; then mkdir -m 700 "$d" || exit 1; fi
now=absent
if [ -e "$f" ]; then now=$(sha256sum < "$f" | cut -c1-64) || exit 1; fi
if [ "$now" != "$1" ]; then echo "authorized_keys changed while being edited" >&2; exit 4; fi
t="$d/.authorized_keys.rotor-$$"
if cat > "$t" && chmod 600 "$t" && mv -f "$t" "$f"; then exit 0; fi
rm -f "$t"; exit 1`;

const CHANGED_MEANWHILE = 4;

export interface AuthorizedKeysFile {
  content: string;
  /** SHA-256 hex of the content as read, or "absent". */
  version: string;
}

/** The command running `script` as `userName` from `session`'s login. */
function asUser(session: SshSession, userName: string, script: string, args: string[]): string {
  parseAccountName(userName, "UserName");
  // The scripts are constants without single quotes, and args are hashes or
  // "absent" (checked), so wrapping in '…' is exact, not escaping.
  if (script.includes("'") || args.some((a) => !/^[a-z0-9]+$/.test(a))) {
    throw new RotorError("internal: unsafe remote script");
  }
  const shell = `sh -c '${script}' rotor ${args.join(" ")}`.trim();
  if (session.endpoint.userName === userName) return shell;
  return `PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u ${userName} -- ${shell}`;
}

export async function readAuthorizedKeys(
  session: SshSession,
  userName: string,
): Promise<AuthorizedKeysFile> {
  const result = await session.run(asUser(session, userName, READ_SCRIPT, []));
  if (result.exitCode !== 0) {
    throw new EcsCommandError(
      session.endpoint,
      `reading ${userName}'s authorized_keys`,
      result.exitCode,
      result.stderr.trim().slice(0, 500),
    );
  }
  const newline = result.stdout.indexOf("\n");
  const version = result.stdout.slice(0, newline);
  if (newline < 0 || !/^([0-9a-f]{64}|absent)$/.test(version)) {
    throw new EcsCommandError(
      session.endpoint,
      `reading ${userName}'s authorized_keys`,
      result.exitCode,
      "unexpected output (is sha256sum installed?)",
    );
  }
  const content = result.stdout.slice(newline + 1);
  if (content.includes("\uFFFD")) {
    throw new EcsCommandError(
      session.endpoint,
      `reading ${userName}'s authorized_keys`,
      0,
      "the file is not UTF-8 text: not editing it",
    );
  }
  return { content, version };
}

/**
 * Reads the file, applies `edit`, and writes the result back if it differs;
 * retried when someone else changed the file in between. `guard` sees each
 * content read before it is edited, and throws to stop the edit (a root
 * session checks there that the secret holds one of the user's keys).
 * @returns whether the file changed.
 */
export async function editAuthorizedKeys(
  session: SshSession,
  userName: string,
  edit: (content: string) => string,
  guard?: (content: string) => void,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const file = await readAuthorizedKeys(session, userName);
    guard?.(file.content);
    const next = edit(file.content);
    if (next === file.content) return false;
    const result = await session.run(asUser(session, userName, WRITE_SCRIPT, [file.version]), next);
    if (result.exitCode === 0) return true;
    if (result.exitCode !== CHANGED_MEANWHILE || attempt >= 5) {
      throw new EcsCommandError(
        session.endpoint,
        `writing ${userName}'s authorized_keys`,
        result.exitCode,
        result.stderr.trim().slice(0, 500),
      );
    }
  }
}

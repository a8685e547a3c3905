/**
 * Sets a Linux account's password with chpasswd, the password travelling on
 * chpasswd's stdin: never on a command line and never inside a shell string,
 * so neither `ps`, shell history nor shell parsing ever sees it.
 */
import { ValidationError } from "@rotor/cloud-api";
import { parseAccountName } from "./ecs-account-name.ts";
import { EcsCommandError } from "./ecs-ssh-errors.ts";
import type { SshSession } from "./ecs-ssh-session.ts";

/** chpasswd reads `name:password` lines: a line break would start another. */
const FORBIDDEN_IN_PASSWORD = /[\r\n\0]/;

/** Checks a password can travel as one chpasswd line; never quotes it. */
export function checkPasswordValue(password: unknown, field: string): string {
  if (typeof password !== "string" || password.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`);
  }
  if (FORBIDDEN_IN_PASSWORD.test(password)) {
    throw new ValidationError(`${field} must not contain line breaks or NUL characters`);
  }
  if (password.length > 512) throw new ValidationError(`${field} must be at most 512 characters`);
  return password;
}

/**
 * Sets `userName`'s password from a session that may run chpasswd (root or
 * another uid 0 login). chpasswd splits its input at the first ":", so a
 * password may itself contain ":".
 */
export async function changePassword(
  session: SshSession,
  userName: string,
  password: string,
): Promise<void> {
  parseAccountName(userName, "UserName");
  checkPasswordValue(password, "Password");
  // A fixed command; chpasswd lives in /usr/sbin, which a non-root PATH lacks.
  const result = await session.run(
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin chpasswd",
    `${userName}:${password}\n`,
  );
  if (result.exitCode !== 0) {
    // chpasswd's messages name the user and line, never the password; strip
    // it anyway in case some PAM module echoes its input.
    const detail = result.stderr.split(password).join("<redacted>").trim().slice(0, 500);
    const hint =
      session.endpoint.userName === userName
        ? " (changing a password needs a root login: configure a privileged login)"
        : "";
    throw new EcsCommandError(
      session.endpoint,
      `chpasswd for ${userName}`,
      result.exitCode,
      `${detail}${hint}`,
    );
  }
}

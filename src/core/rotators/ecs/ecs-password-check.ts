/**
 * Proves a password on a server without logging in as its account (there
 * may be no inbound SSH at all, or password logins may be off): root
 * hashes the candidate with the salt and method of the account's
 * /etc/shadow entry (libc's crypt, through perl, which every Linux image
 * carries) and compares. The password arrives on stdin (over Cloud
 * Assistant, as an input file), never in the script.
 *
 * heldPassword is what a root login or Cloud Assistant runs before it
 * changes a password: the secret must hold the account's password now.
 */
import { RotorError } from "@rotor/cloud-api";
import { CredentialNotProvenError } from "../../contract/trust-boundary-errors.ts";
import { parseAccountName } from "./ecs-account-name.ts";
import { checkPasswordValue } from "./ecs-password-change.ts";
import { EcsCommandError } from "./ecs-ssh-errors.ts";
import type { SshSession } from "./ecs-ssh-session.ts";

/** Exit 0: matches; 1: does not; 3: no such account; 4: shadow unreadable; 5: no input. */
const CHECK_SCRIPT = `my $user = shift;
my $password = <STDIN>;
exit 5 unless defined $password;
chomp $password;
open(my $shadow, "<", "/etc/shadow") or exit 4;
while (my $line = <$shadow>) {
  my ($name, $hash) = split /:/, $line;
  next unless $name eq $user;
  exit 1 if !defined $hash || length($hash) < 2;
  my $computed = crypt($password, $hash);
  exit((defined $computed && $computed eq $hash) ? 0 : 1);
}
exit 3;`;

const MISMATCH = 1;
const NO_ACCOUNT = 3;

/** The password is not the account's. */
export class EcsPasswordMismatchError extends RotorError {
  override name = "EcsPasswordMismatchError";
}

export async function checkPasswordOn(
  session: SshSession,
  userName: string,
  password: string,
): Promise<void> {
  parseAccountName(userName, "UserName");
  checkPasswordValue(password, "Password");
  if (CHECK_SCRIPT.includes("'")) throw new RotorError("internal: unsafe remote script");
  const result = await session.run(
    `PATH=/usr/bin:/bin perl -e '${CHECK_SCRIPT}' ${userName}`,
    `${password}\n`,
  );
  if (result.exitCode === 0) return;
  if (result.exitCode === MISMATCH) {
    throw new EcsPasswordMismatchError(
      `the password of ${userName} on instance ${session.endpoint.host} is not the one in the secret`,
    );
  }
  const detail =
    result.exitCode === NO_ACCOUNT
      ? `there is no account ${userName}`
      : result.stderr.split(password).join("<redacted>").trim().slice(0, 500);
  throw new EcsCommandError(
    session.endpoint,
    `checking ${userName}'s password`,
    result.exitCode,
    detail,
  );
}

/** A password the secret holds, and which version holds it. */
export interface PasswordCandidate {
  label: "current" | "pending" | "previous";
  password: string;
}

/** The passwords a rotation holds, in the order a root session tries them. */
export function passwordCandidates(
  current: { Password: string },
  pending: { Password: string },
  previous: { Password: string } | undefined,
): PasswordCandidate[] {
  return [
    { label: "current", password: current.Password },
    { label: "pending", password: pending.Password },
    ...(previous ? [{ label: "previous" as const, password: previous.Password }] : []),
  ];
}

/**
 * The first candidate that is the account's password now, tried in order;
 * CredentialNotProvenError when none is. Run as root (a privileged login or
 * Cloud Assistant).
 */
export async function heldPassword(
  session: SshSession,
  userName: string,
  candidates: readonly PasswordCandidate[],
  secretName: string,
): Promise<PasswordCandidate["label"]> {
  for (const candidate of candidates) {
    try {
      await checkPasswordOn(session, userName, candidate.password);
      return candidate.label;
    } catch (error) {
      if (!(error instanceof EcsPasswordMismatchError)) throw error;
    }
  }
  const held = candidates.map((candidate) => candidate.label).join(", ");
  throw new CredentialNotProvenError(
    `Secret ${secretName}: the password of ${userName} on ${describeWhere(session)} is none of those the secret holds (${held}): a password is changed as root only for an account whose password the secret proves, so nothing was changed`,
  );
}

function describeWhere(session: SshSession): string {
  const { host, port } = session.endpoint;
  return port === 0 ? `instance ${host}` : `${host}:${port}`;
}

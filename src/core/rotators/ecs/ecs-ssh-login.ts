/**
 * The logins a rotation step tries, in order, each one counted as an
 * external call so a crash can be injected between any two.
 */

import { readPrivilegedSecret } from "../../contract/privileged-secret.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import { sameHost, targetMismatch } from "../../contract/trust-boundary-errors.ts";
import { privilegedLoginValue, type SshTargetFields } from "./ecs-secret-value.ts";
import { EcsLoginRefusedError } from "./ecs-ssh-errors.ts";
import { openSshSession, type SshLogin, type SshSession } from "./ecs-ssh-session.ts";

/** Login bound: short enough to leave room for the step's other calls. */
function loginTimeout(ctx: RotatorContext<unknown>): number {
  return Math.max(1_000, Math.min(20_000, ctx.deadline - ctx.now()));
}

/** A login to the value's server as `userName` with one credential. */
export function loginTo(
  target: SshTargetFields,
  credential: { userName: string; password?: string | undefined; privateKey?: string | undefined },
  ctx: RotatorContext<unknown>,
): SshLogin {
  return {
    host: target.host,
    port: target.port ?? 22,
    hostKeyFingerprint: target.hostKeyFingerprint,
    timeoutMs: loginTimeout(ctx),
    ...credential,
  };
}

/** Fresh login and logout: proves a credential, or throws EcsLoginRefusedError. */
export async function proveLogin(
  name: string,
  login: SshLogin,
  ctx: RotatorContext<unknown>,
): Promise<void> {
  const session = await ctx.external(name, () => openSshSession(login));
  session.close();
}

/**
 * Opens the first session whose login is accepted. A refused login moves on
 * to the next candidate; a wrong host key or no answer stops at once.
 */
export async function firstAcceptedSession(
  candidates: ReadonlyArray<{ name: string; login: SshLogin }>,
  ctx: RotatorContext<unknown>,
): Promise<{ name: string; session: SshSession }> {
  let lastRefusal: unknown;
  for (const candidate of candidates) {
    try {
      const session = await ctx.external(candidate.name, () => openSshSession(candidate.login));
      return { name: candidate.name, session };
    } catch (error) {
      if (!(error instanceof EcsLoginRefusedError)) throw error;
      lastRefusal = error;
    }
  }
  throw lastRefusal ?? new Error("no login to try");
}

/**
 * The privileged login of `privilegedSecret`, read from KMS (only under the
 * deployment's ROTOR_MASTER_SECRET_PREFIXES) and refused, before anything
 * is sent, unless it belongs to the server the secret names. It logs in
 * with its own host, port and fingerprint.
 */
export async function privilegedLogin(
  target: SshTargetFields & { privilegedSecret: string },
  ctx: RotatorContext<unknown>,
): Promise<SshLogin> {
  const name = target.privilegedSecret;
  const data = await readPrivilegedSecret(ctx, name, "privileged login");
  const value = privilegedLoginValue.parse(data, name);
  for (const secret of privilegedLoginValue.sensitive(value)) ctx.redact(secret);
  const differing = [
    ...(sameHost(value.host, target.host) ? [] : ["host"]),
    ...((value.port ?? 22) === (target.port ?? 22) ? [] : ["port"]),
    ...(value.hostKeyFingerprint === target.hostKeyFingerprint ? [] : ["hostKeyFingerprint"]),
  ];
  if (differing.length > 0)
    throw targetMismatch(ctx.secretName, "privileged login", name, differing);
  return loginTo(
    value,
    { userName: value.UserName, password: value.Password, privateKey: value.PrivateKey },
    ctx,
  );
}

/**
 * The Redis rotator (`rotor:rotator=redis`): ACL users of a self-managed
 * Redis 6+ server, or accounts of an ApsaraDB for Redis/Tair instance
 * through the R-kvstore OpenAPI. Two modes:
 *
 * - dual (default with a master secret or an InstanceId): two users in
 *   turn. Each rotation makes the user that is not current the current
 *   one's twin (exactly its ACL rules, or its ApsaraDB privilege) with a new
 *   password, so the previous user keeps working with its old password
 *   until the next rotation.
 * - single: the user changes its own password. On a self-managed server it
 *   holds two passwords from setSecret on, ACSCurrent's and the pending
 *   one, so ACSCurrent logs in whatever step a crash stops at; the old one
 *   goes at the next rotation (or when a `rotor:grace-period` ends, or at
 *   once in an emergency). An ApsaraDB account has one password, changed at
 *   setSecret.
 *
 * Before anything changes, a step makes sure it is working where the
 * secret's credentials belong: the master secret's own server (its host
 * and port must be the secret's, redis-master-secret.ts), or the ApsaraDB
 * instance's own address (kvstore-instance-target.ts). Then it proves the
 * credentials it holds: the current password logs in, and an alternate that
 * already exists logs in with a password this secret holds, so no other
 * user can be named into the pair and handed over.
 *
 * The engine (src/core/engine) owns stages, the token, locking and retries; this
 * file only says what each step does on the server.
 */

import { ApiError, ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { abandonedVersionData } from "../../contract/abandoned-versions.ts";
import { allowsPrefix } from "../../contract/deploy-policy.ts";
import { generatePassword } from "../../contract/generated-password.ts";
import { checkPrivilegedSecretName } from "../../contract/privileged-secret.ts";
import {
  defineRotator,
  type GraceOutcome,
  type Rotator,
  type RotatorContext,
} from "../../contract/rotator-contract.ts";
import { ACS_PREVIOUS } from "../../contract/stages.ts";
import { CredentialNotProvenError } from "../../contract/trust-boundary-errors.ts";
import { KvstoreAccountAdmin } from "./kvstore-account-admin.ts";
import {
  checkKvstoreInstanceAllowed,
  checkKvstoreInstanceTarget,
} from "./kvstore-instance-target.ts";
import { KVSTORE_PASSWORD_POLICY } from "./kvstore-password-policy.ts";
import type { RedisAccountAdmin } from "./redis-account-admin.ts";
import { RedisAclAdmin } from "./redis-acl-admin.ts";
import { aclPasswordHash } from "./redis-acl-rules.ts";
import {
  accountPair,
  assertIsAlternate,
  assertSameTarget,
  otherAccount,
} from "./redis-alternate-account.ts";
import type { RedisCloudClients } from "./redis-cloud-clients.ts";
import {
  type ExternalRunner,
  type RedisCredentials,
  type RedisEndpoint,
  type RedisSession,
  redisLogin,
} from "./redis-connection.ts";
import {
  RedisCommandError,
  RedisLoginRefusedError,
  RedisRotationRefusedError,
} from "./redis-errors.ts";
import {
  masterEndpoint,
  type RedisMasterSecret,
  readRedisMasterSecret,
} from "./redis-master-secret.ts";
import { REDIS_PASSWORD_POLICY } from "./redis-password-policy.ts";
import {
  KVSTORE_ACCOUNT_NAME,
  KVSTORE_ACCOUNT_NAME_RULE,
  type RedisSecretValue,
  redisSecretValue,
  rotationMode,
} from "./redis-secret-value.ts";

/** How many times an emergency revoke whose connection another revoke ended is tried. */
const REVOKE_ATTEMPTS = 3;

/** The step name of the logins that prove an alternate user is the secret's. */
const ALTERNATE_LOGIN = "setSecret (alternate login)";

/** The Redis rotator reads everything from the secret's value; no tags needed. */
const configSchema = z.object({});
type RedisRotatorConfig = z.infer<typeof configSchema>;
type Context = RotatorContext<RedisRotatorConfig>;

export interface RedisRotatorOptions {
  /** The cloud clients for secrets that name an InstanceId (default: the invocation's, ctx.cloud). */
  clouds?: RedisCloudClients | undefined;
}

export function createRedisRotator(
  options: RedisRotatorOptions = {},
): Rotator<RedisSecretValue, RedisRotatorConfig> {
  /** The invocation's R-kvstore, unless the caller gave its own. */
  const clouds = (ctx: Context): RedisCloudClients => options.clouds ?? ctx.cloud;

  const run =
    (ctx: Context): ExternalRunner =>
    (name, call) =>
      ctx.external(name, call);

  const endpointOf = (value: RedisSecretValue): RedisEndpoint => ({
    host: value.host,
    port: value.port,
    tls: value.tls,
  });

  const credentialsOf = (value: RedisSecretValue): RedisCredentials => ({
    user: value.AccountName,
    password: value.AccountPassword,
  });

  /**
   * Where this rotation may work, checked before any login: on ApsaraDB, an
   * allowed instance whose own address the secret names; in dual mode
   * elsewhere, the master secret's server (its master, returned). Single
   * mode off ApsaraDB sends only the secret's own credentials to the
   * secret's own server: nothing to check.
   */
  async function verifyTarget(
    ctx: Context,
    value: RedisSecretValue,
  ): Promise<RedisMasterSecret | undefined> {
    if (value.InstanceId) {
      const instance = { ...value, InstanceId: value.InstanceId };
      await checkKvstoreInstanceTarget(
        ctx,
        instance,
        clouds(ctx).kvstore(value.RegionId),
        run(ctx),
      );
      return undefined;
    }
    if (rotationMode(value) === "single") return undefined;
    return readRedisMasterSecret(ctx, value, requiredMaster(ctx, value));
  }

  function requiredMaster(ctx: Context, value: RedisSecretValue): string {
    if (!value.masterSecret) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: masterSecret is required for dual-account rotation`,
      );
    }
    return value.masterSecret;
  }

  const login = (
    ctx: Context,
    value: RedisSecretValue,
    credentials: RedisCredentials,
    step: string,
  ): Promise<RedisSession> => redisLogin(endpointOf(value), credentials, step, run(ctx));

  /** Logs in, proves it, logs out. */
  async function check(ctx: Context, value: RedisSecretValue, step: string): Promise<void> {
    (await login(ctx, value, credentialsOf(value), step)).close();
  }

  /** True when the server takes the password, false when it answers WRONGPASS. */
  async function logsIn(
    ctx: Context,
    value: RedisSecretValue,
    credentials: RedisCredentials,
    step: string,
  ): Promise<boolean> {
    try {
      (await login(ctx, value, credentials, step)).close();
      return true;
    } catch (error) {
      if (error instanceof RedisLoginRefusedError) return false;
      throw error;
    }
  }

  /**
   * What changes other users: on ApsaraDB the function's RAM identity (no
   * login); elsewhere the master, logged in to the master's own server
   * with the master's own settings. `master` is the master secret when
   * verifyTarget already read it.
   */
  async function openAdmin(
    ctx: Context,
    value: RedisSecretValue,
    step: string,
    master?: RedisMasterSecret,
  ): Promise<RedisAccountAdmin> {
    if (value.InstanceId) {
      return new KvstoreAccountAdmin({
        instanceId: value.InstanceId,
        client: clouds(ctx).kvstore(value.RegionId),
        run: run(ctx),
        step,
      });
    }
    const admin = master ?? (await readRedisMasterSecret(ctx, value, requiredMaster(ctx, value)));
    const session = await redisLogin(
      masterEndpoint(admin),
      { user: admin.AccountName, password: admin.AccountPassword },
      step,
      run(ctx),
    );
    return new RedisAclAdmin(session);
  }

  async function withAdmin<T>(
    admin: RedisAccountAdmin,
    work: (admin: RedisAccountAdmin) => Promise<T>,
  ): Promise<T> {
    try {
      return await work(admin);
    } finally {
      admin.close();
    }
  }

  /**
   * The ACSPrevious value when it names `account` on the current value's
   * server; undefined otherwise.
   */
  async function previousValue(
    ctx: Context,
    current: RedisSecretValue,
    account: string,
  ): Promise<RedisSecretValue | undefined> {
    let data: string;
    try {
      data = await ctx.readSecret(ctx.secretName, { versionStage: ACS_PREVIOUS });
    } catch (error) {
      if (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound")
        return undefined;
      throw error;
    }
    return sameAccountValue(ctx, data, current, account);
  }

  /** `data` parsed, when it names `account` on the current value's server; undefined otherwise. */
  function sameAccountValue(
    ctx: Context,
    data: string,
    current: RedisSecretValue,
    account: string,
  ): RedisSecretValue | undefined {
    let value: RedisSecretValue;
    try {
      value = redisSecretValue.parse(data, ctx.secretName);
    } catch {
      return undefined;
    }
    ctx.redact(value.AccountPassword);
    const sameAccount =
      value.AccountName === account &&
      value.host === current.host &&
      value.port === current.port &&
      value.InstanceId === current.InstanceId;
    return sameAccount ? value : undefined;
  }

  /**
   * The usual proof that the alternate is this secret's, from the second
   * rotation on: it logs in with ACSPrevious's password (it was current
   * then). False when ACSPrevious names another user, or none.
   */
  async function previousLogsIn(
    ctx: Context,
    current: RedisSecretValue,
    alternate: string,
  ): Promise<boolean> {
    const previous = await previousValue(ctx, current, alternate);
    if (!previous) return false;
    return logsIn(
      ctx,
      current,
      { user: alternate, password: previous.AccountPassword },
      ALTERNATE_LOGIN,
    );
  }

  /**
   * For an alternate that exists but did not log in with ACSPrevious's
   * password: the other passwords this secret holds for it, the pending one
   * (an earlier attempt of this rotation set it), ACSCurrent's (after an
   * emergency rotation the leaked user was given it, see revoke), and, last,
   * those of abandoned versions naming it (a rotation cancelled after its
   * setSecret set one, abandoned-versions.ts).
   */
  async function otherPasswordLogsIn(
    ctx: Context,
    current: RedisSecretValue,
    pending: RedisSecretValue,
  ): Promise<boolean> {
    const tries = async (password: string) =>
      logsIn(ctx, current, { user: pending.AccountName, password }, ALTERNATE_LOGIN);
    for (const password of [pending.AccountPassword, current.AccountPassword]) {
      if (await tries(password)) return true;
    }
    for (const data of await abandonedVersionData(ctx)) {
      const abandoned = sameAccountValue(ctx, data, current, pending.AccountName);
      if (abandoned && (await tries(abandoned.AccountPassword))) return true;
    }
    return false;
  }

  /** The refusal for an alternate that exists but is not proven this secret's. */
  function notHeld(ctx: Context, alternate: string, current: RedisSecretValue) {
    return new CredentialNotProvenError(
      `Secret ${ctx.secretName}: setSecret stopped: user ${JSON.stringify(alternate)} exists on ${current.host}:${current.port} but logs in with none of the passwords this secret holds (pending, ACSPrevious, ACSCurrent, abandoned versions), so it may be another's: its password is not changed. If it is this secret's other user, store its credentials as the secret's ACSPrevious version first (see "Account pairs" in docs/rotators-redis.md)`,
    );
  }

  async function applyDual(
    values: { current: RedisSecretValue; pending: RedisSecretValue },
    ctx: Context,
  ): Promise<void> {
    const { current, pending } = values;
    assertIsAlternate(current, pending);
    const pair = accountPair(current);
    // Before changing anything: the target is the right one, then (at
    // once) the current credentials work, an alternate that exists is this
    // secret's, and the master logs in.
    const master = await verifyTarget(ctx, current);
    const [admin, currentCheck, proof] = await Promise.allSettled([
      openAdmin(ctx, current, "setSecret (master login)", master),
      check(ctx, current, "setSecret (current login)"),
      previousLogsIn(ctx, current, pending.AccountName),
    ]);
    if (admin.status === "rejected") throw admin.reason;
    await withAdmin(admin.value, async (accounts) => {
      if (currentCheck.status === "rejected") throw currentCheck.reason;
      if (proof.status === "rejected") throw proof.reason;
      // An alternate that exists changes only once the secret proves it
      // holds one of its passwords; one that does not exist yet is created
      // (suffix mode) as the current user's twin, which gives nobody anything.
      const exists = proof.value || (await accounts.accountExists(pending.AccountName));
      if (exists && !proof.value && !(await otherPasswordLogsIn(ctx, current, pending))) {
        throw notHeld(ctx, pending.AccountName, current);
      }
      if (pair.preCreated && !exists) {
        throw new RedisRotationRefusedError(
          `setSecret: user ${JSON.stringify(pending.AccountName)} named in accounts does not exist on ${accounts.where}; create both users first`,
        );
      }
      await accounts.syncAlternate({
        current: current.AccountName,
        alternate: pending.AccountName,
        password: pending.AccountPassword,
        mayCreate: !pair.preCreated,
      });
    });
  }

  /**
   * The user's passwords become exactly `passwords`, set by the user
   * itself (it needs ACL SETUSER: `+acl|setuser`, or `+@admin`).
   */
  async function setOwnPasswords(session: RedisSession, passwords: string[]): Promise<void> {
    const hashes = [...new Set(passwords.map(aclPasswordHash))];
    session.keepSecret(...passwords, ...hashes);
    try {
      await session.command(
        "setOwnPasswords",
        "ACL",
        "SETUSER",
        session.user,
        "resetpass",
        ...hashes.map((hash) => `#${hash}`),
      );
    } catch (error) {
      if (error instanceof RedisCommandError && error.replyCode === "NOPERM") {
        throw new RedisRotationRefusedError(
          `Single-user rotation: user ${JSON.stringify(session.user)} on ${session.endpoint.host}:${session.endpoint.port} may not change its own password (ACL SETUSER); allow it +acl|setuser, or rotate in dual mode with a master secret (${error.message})`,
        );
      }
      throw error;
    }
  }

  async function applySingle(
    values: { current: RedisSecretValue; pending: RedisSecretValue },
    ctx: Context,
  ): Promise<void> {
    const { current, pending } = values;
    assertSameTarget(current, pending);
    if (pending.AccountName !== current.AccountName) {
      throw new RedisRotationRefusedError(
        `Single-user rotation: the pending version names user ${JSON.stringify(pending.AccountName)}, not ${JSON.stringify(current.AccountName)}`,
      );
    }
    await verifyTarget(ctx, current);
    // Self-managed: the current password first (it keeps working through
    // every step); an ApsaraDB account has one password, so the pending one
    // first (a crash after the change left it applied). Previous is read
    // from KMS only when the others are refused.
    const kvstore = current.InstanceId !== undefined;
    const candidates: { label: string; value: () => Promise<RedisSecretValue | undefined> }[] = [
      ...(kvstore ? [{ label: "pending", value: async () => pending }] : []),
      { label: "current", value: async () => current },
      ...(kvstore ? [] : [{ label: "pending", value: async () => pending }]),
      { label: "previous", value: () => previousValue(ctx, current, current.AccountName) },
    ];
    let lastRefusal: unknown;
    for (const candidate of candidates) {
      const value = await candidate.value();
      if (!value) continue;
      let session: RedisSession;
      try {
        session = await login(
          ctx,
          value,
          credentialsOf(value),
          `setSecret (${candidate.label} login)`,
        );
      } catch (error) {
        if (error instanceof RedisLoginRefusedError) {
          lastRefusal = error;
          continue;
        }
        throw error;
      }
      try {
        if (!kvstore) {
          await setOwnPasswords(session, [current.AccountPassword, pending.AccountPassword]);
        } else if (value !== pending) {
          const accounts = await openAdmin(ctx, current, "setSecret (reset password)");
          await withAdmin(accounts, (admin) =>
            admin.setPassword(current.AccountName, pending.AccountPassword),
          );
        }
      } finally {
        session.close();
      }
      return;
    }
    throw new RedisRotationRefusedError(
      `setSecret: none of the current, pending or previous passwords of user ${JSON.stringify(current.AccountName)} logs in on ${current.host}:${current.port}`,
      { cause: lastRefusal },
    );
  }

  /**
   * Emergency, single mode on a self-managed server: the user keeps only the
   * new current password, and its other connections end (CLIENT KILL
   * spares the one that asks). A user not allowed CLIENT KILL keeps them,
   * with a warning: the leaked password is gone either way.
   */
  async function revokeOwnPassword(current: RedisSecretValue, ctx: Context): Promise<void> {
    // Two invocations may revoke at once (one resumes the revoke the other
    // is doing, by its marker), and each one's CLIENT KILL USER ends the
    // other's connection. Both do the same idempotent work, so the one
    // whose connection was ended logs in again (with the current password,
    // which the revoke keeps) and does it once more.
    for (let attempt = 1; ; attempt++) {
      try {
        await revokeOwnPasswordOnce(current, ctx);
        return;
      } catch (error) {
        const endedByAnother = error instanceof RedisCommandError && error.connectionEnded;
        if (!endedByAnother || attempt >= REVOKE_ATTEMPTS) throw error;
        ctx.log.info("revoke-connection-ended", { account: current.AccountName, attempt });
      }
    }
  }

  async function revokeOwnPasswordOnce(current: RedisSecretValue, ctx: Context): Promise<void> {
    const session = await login(ctx, current, credentialsOf(current), "finishSecret (own login)");
    try {
      await setOwnPasswords(session, [current.AccountPassword]);
      try {
        await session.command("endSessions", "CLIENT", "KILL", "USER", current.AccountName);
      } catch (error) {
        if (!(error instanceof RedisCommandError && error.replyCode === "NOPERM")) throw error;
        ctx.log.warn("revoke-sessions-kept", {
          account: current.AccountName,
          reason: "the user may not run CLIENT KILL (+client|kill): its open connections stay",
        });
      }
    } finally {
      session.close();
    }
  }

  /** endGrace in single mode on a self-managed server: ACSPrevious's password goes. */
  async function removePreviousPassword(
    previous: RedisSecretValue,
    current: RedisSecretValue,
    ctx: Context,
  ): Promise<GraceOutcome> {
    const samePlace =
      previous.AccountName === current.AccountName &&
      previous.host === current.host &&
      previous.port === current.port;
    if (!samePlace || previous.AccountPassword === current.AccountPassword) return { ended: true };
    const session = await login(ctx, current, credentialsOf(current), "endGrace (own login)");
    const hash = aclPasswordHash(previous.AccountPassword);
    session.keepSecret(previous.AccountPassword, hash);
    try {
      // Only that one password: a rotation running meanwhile keeps its pending one.
      await session.command("removeOldPassword", "ACL", "SETUSER", current.AccountName, `!${hash}`);
    } catch (error) {
      const gone =
        error instanceof RedisCommandError && /password .*does not exist/i.test(error.message);
      if (!gone) throw error;
    } finally {
      session.close();
    }
    return { ended: true };
  }

  function assertUserName(ctx: Context, value: RedisSecretValue, name: string): void {
    if (/[\s\p{Cc}]/u.test(name) || name.length > 128) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: the alternate user name must hold no white space or control characters and at most 128 characters; choose another alternateSuffix`,
      );
    }
    if (value.InstanceId && !KVSTORE_ACCOUNT_NAME.test(name)) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: the alternate account ${JSON.stringify(name)} is not an ApsaraDB for Redis/Tair account name (${KVSTORE_ACCOUNT_NAME_RULE}); choose a shorter AccountName or another alternateSuffix`,
      );
    }
  }

  return defineRotator({
    kind: "redis",
    description:
      "a Redis 6+ ACL user or an ApsaraDB for Redis/Tair account (dual-account with a master secret or an InstanceId, or single-user)",
    value: redisSecretValue,
    config: configSchema,

    // Dual mode off ApsaraDB logs in as the master: read ahead only a master
    // secret the deployment lets the function read.
    readsSecrets(current, policy) {
      const master = current.masterSecret;
      if (rotationMode(current) !== "dual" || current.InstanceId || !master) return [];
      return allowsPrefix(policy.masterSecretPrefixes, master) ? [master] : [];
    },

    async createValue(current, ctx) {
      const dual = rotationMode(current) === "dual";
      const AccountName = dual ? otherAccount(current) : current.AccountName;
      // Refused here, before anything is stored: what no later step could accept.
      assertUserName(ctx, current, AccountName);
      if (current.InstanceId) checkKvstoreInstanceAllowed(ctx, current.InstanceId);
      else if (dual) checkPrivilegedSecretName(ctx, requiredMaster(ctx, current), "master secret");
      const policy = current.InstanceId ? KVSTORE_PASSWORD_POLICY : REDIS_PASSWORD_POLICY;
      return { ...current, AccountName, AccountPassword: generatePassword(policy) };
    },

    async apply(values, ctx) {
      if (rotationMode(values.current) === "dual") await applyDual(values, ctx);
      else await applySingle(values, ctx);
    },

    async test(value, ctx) {
      await check(ctx, value, "testSecret (login)");
    },

    /**
     * Emergency, after the switch: the old current password is taken to
     * have leaked. Dual mode gives that user the new current password (the
     * leaked one stops working; whoever can read the new one could log in
     * as the new current user anyway; and the next rotation, which sets
     * this user's password again, can prove the user is this secret's) and
     * ends its open connections. The user must first prove to be the
     * current one's partner: it logs in with the leaked password (or, on a
     * re-run, already with the new one). Single mode removes the leaked
     * password, which a self-managed user still held beside the new one.
     */
    async revoke({ revoked, current }, ctx) {
      if (revoked.AccountName === current.AccountName) {
        if (!current.InstanceId) await revokeOwnPassword(current, ctx);
        return;
      }
      assertIsAlternate(current, revoked);
      const master = await verifyTarget(ctx, current);
      const step = "finishSecret (revoked login)";
      const leakedWorks = await logsIn(ctx, current, credentialsOf(revoked), step);
      const proven =
        leakedWorks ||
        (await logsIn(
          ctx,
          current,
          { user: revoked.AccountName, password: current.AccountPassword },
          step,
        ));
      if (!proven) {
        ctx.log.warn("revoke-skipped", {
          account: revoked.AccountName,
          reason: "the user logs in with neither the leaked nor the new current password",
        });
        return;
      }
      const admin = await openAdmin(ctx, current, "finishSecret (master login)", master);
      await withAdmin(admin, async (accounts) => {
        if (leakedWorks) await accounts.setPassword(revoked.AccountName, current.AccountPassword);
        await accounts.endSessions(revoked.AccountName);
      });
    },

    /**
     * When a `rotor:grace-period` duration ends: a self-managed single
     * user's ACSPrevious password goes. Dual mode keeps the previous user's
     * password until the next rotation; an ApsaraDB account's previous
     * password went at setSecret.
     */
    async endGrace({ previous, current }, ctx) {
      if (rotationMode(current) === "dual") {
        return {
          ended: false,
          reason:
            "dual-account: ACSPrevious is the other user, which keeps its password until the next rotation",
        };
      }
      if (current.InstanceId) return { ended: true };
      return removePreviousPassword(previous, current, ctx);
    },
  });
}

/** The Redis rotator, calling the cloud through its context. */
export const redisRotator = createRedisRotator();

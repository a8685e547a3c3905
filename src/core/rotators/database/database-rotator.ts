/**
 * The one rotation strategy every SQL engine shares, written against
 * DatabaseAccounts. Two modes:
 *
 * - dual (default with a master secret): two accounts used in turn. Each
 *   rotation gives the account that is not current a new password through
 *   the master account, so the previous account keeps working with its old
 *   password until the next rotation and applications that cached it survive.
 * - single: the account changes its own password.
 *
 * Before anything changes, a step makes sure it is working where the
 * secret's credentials belong: the master secret's own server (the
 * secret's engine, host and port must be the master's, see
 * database-master-secret.ts), or the RDS instance's or PolarDB cluster's
 * own addresses (managed-database-target.ts). Then it proves the credentials it holds: the
 * current password logs in, and an alternate account that already exists
 * logs in with a password this secret holds, so no other account can be
 * named into the pair and handed over.
 *
 * The engine (src/core/engine) owns stages, the token, locking and retries; this
 * file only says what each step does on the database.
 */

import { ApiError, ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { abandonedVersionData } from "../../contract/abandoned-versions.ts";
import { allowsPrefix } from "../../contract/deploy-policy.ts";
import {
  defineRotator,
  type Rotator,
  type RotatorContext,
} from "../../contract/rotator-contract.ts";
import { ACS_PREVIOUS } from "../../contract/stages.ts";
import { CredentialNotProvenError } from "../../contract/trust-boundary-errors.ts";
import {
  accountNameLength,
  type DatabaseAccounts,
  type DatabaseCredentials,
  type DatabaseSession,
  type ExternalRunner,
} from "./database-accounts.ts";
import {
  accountPair,
  assertIsAlternate,
  assertSameServer,
  otherAccount,
} from "./database-alternate-account.ts";
import type { PolarDbDatabaseClients, RdsDatabaseClients } from "./database-cloud-clients.ts";
import { DatabaseLoginRefusedError, DatabaseRotationRefusedError } from "./database-errors.ts";
import { type MasterSecret, masterTarget, readMasterSecret } from "./database-master-secret.ts";
import {
  DATABASE_PASSWORD_POLICIES,
  generateDatabasePassword,
} from "./database-password-policy.ts";
import {
  type DatabaseSecretValue,
  databaseSecretValue,
  rotationMode,
} from "./database-secret-value.ts";
import { ManagedAccountManager, withManagedPasswordReset } from "./managed-account-manager.ts";
import { managedDatabaseRef } from "./managed-database.ts";
import { MANAGED_DATABASE_PASSWORD_POLICY } from "./managed-database-password-policy.ts";
import { checkManagedDatabaseTarget } from "./managed-database-target.ts";
import { type ManagedDatabaseClients, openManagedDatabase } from "./open-managed-database.ts";

/** The step name of the logins that prove an alternate account is the secret's. */
const ALTERNATE_LOGIN = "setSecret (alternate login)";

/** Database rotators read everything from the secret's value; no tags needed. */
const configSchema = z.object({});
type DatabaseRotatorConfig = z.infer<typeof configSchema>;
type Context = RotatorContext<DatabaseRotatorConfig>;

export interface DatabaseRotatorOptions {
  /** The RDS client for secrets that name a DBInstanceId (default: the invocation's, ctx.cloud). */
  rds?: RdsDatabaseClients | undefined;
  /** The PolarDB client for secrets that name a DBClusterId (default: the invocation's, ctx.cloud). */
  polardb?: PolarDbDatabaseClients | undefined;
}

export function createDatabaseRotator(
  accounts: DatabaseAccounts,
  options: DatabaseRotatorOptions = {},
): Rotator<DatabaseSecretValue, DatabaseRotatorConfig> {
  const engine = accounts.engine;
  /** The invocation's RDS and PolarDB, unless the caller gave its own. */
  const cloudClients = (ctx: Context): ManagedDatabaseClients => ({
    rds: (regionId) => (options.rds ?? ctx.cloud).rds(regionId),
    polardb: (regionId) => (options.polardb ?? ctx.cloud).polardb(regionId),
  });
  /** The products' password rules when the secret names an RDS instance or a PolarDB cluster, the engine's otherwise. */
  const policyFor = (value: DatabaseSecretValue) =>
    managedDatabaseRef(value)
      ? MANAGED_DATABASE_PASSWORD_POLICY
      : DATABASE_PASSWORD_POLICIES[engine];

  /** The RDS instance or PolarDB cluster the secret names, through its product's API. */
  const managedDatabase = (ctx: Context, value: DatabaseSecretValue) => {
    const ref = managedDatabaseRef(value);
    return ref
      ? {
          ref,
          database: openManagedDatabase(ref, {
            engine,
            clients: cloudClients(ctx),
            run: run(ctx),
          }),
        }
      : undefined;
  };

  /** Account changes through the product's API, for a secret that names a DBInstanceId or a DBClusterId. */
  const managedAccounts = (ctx: Context, value: DatabaseSecretValue, step: string) => {
    const managed = managedDatabase(ctx, value);
    return managed ? new ManagedAccountManager(managed.database, step) : undefined;
  };

  const run =
    (ctx: Context): ExternalRunner =>
    (name, call) =>
      ctx.external(name, call);

  /**
   * Where this rotation may work, checked before any login: on RDS or
   * PolarDB, an allowed instance or cluster whose own address the secret
   * names; in dual mode elsewhere, the master secret's server (its master,
   * returned). Single mode on a self-managed server sends only the
   * secret's own credentials to the secret's own server: nothing to check.
   */
  async function verifyTarget(ctx: Context, value: DatabaseSecretValue) {
    const managed = managedDatabase(ctx, value);
    if (managed) {
      await checkManagedDatabaseTarget(ctx, value, managed.ref, managed.database);
      return undefined;
    }
    if (rotationMode(value) === "single") return undefined;
    const name = value.masterSecret;
    if (!name) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: masterSecret is required for dual-account rotation`,
      );
    }
    return readMasterSecret(ctx, value, name);
  }

  /** A login to the secret's server (on RDS or PolarDB, one that changes its own password through the API). */
  const login = async (
    ctx: Context,
    value: DatabaseSecretValue,
    credentials: DatabaseCredentials,
    step: string,
  ): Promise<DatabaseSession> => {
    const session = await accounts.login(value, credentials, step, run(ctx));
    const manager = managedAccounts(ctx, value, step);
    return manager ? withManagedPasswordReset(session, manager) : session;
  };

  const credentialsOf = (value: DatabaseSecretValue): DatabaseCredentials => ({
    account: value.AccountName,
    password: value.AccountPassword,
  });

  /**
   * What createValue starts so that it runs while the engine stores the
   * pending version: once the target is verified, the current password's
   * login check, the alternate's login with ACSPrevious's password (the
   * usual proof that it is this secret's), and, off RDS, the master
   * session, logged in and with what
   * syncAlternate reads first already read. Logins and reads change
   * nothing; applyDual awaits all of them before any change. Keyed by the
   * current value, the object the engine hands both; a master session
   * apply does not take is closed when the invocation ends.
   */
  const earlyWork = new WeakMap<
    DatabaseSecretValue,
    {
      check: Promise<void>;
      proof: Promise<boolean>;
      master: Promise<DatabaseSession> | undefined;
      taken: boolean;
    }
  >();

  function startEarlyWork(ctx: Context, current: DatabaseSecretValue, alternate: string): void {
    const target = verifyTarget(ctx, current);
    const checking = target.then(() => check(ctx, current, "setSecret (current login)"));
    const proof = previousLogsIn(ctx, current, alternate, target);
    // On RDS and PolarDB the master is the function's RAM identity: there is no session to open.
    const master = managedDatabaseRef(current)
      ? undefined
      : target.then((found) => openEarlyMaster(ctx, current, found, alternate));
    // Awaited in applyDual; a rotation that ends before it must not see an unhandled rejection.
    for (const work of [checking, proof, master]) work?.catch(() => undefined);
    const early = { check: checking, proof, master, taken: false };
    earlyWork.set(current, early);
    if (master) {
      ctx.onInvocationEnd(async () => {
        if (early.taken) return;
        const admin = await master.catch(() => undefined);
        if (admin) release(admin);
      });
    }
  }

  /** The master session, with what syncAlternate reads first read ahead. */
  async function openEarlyMaster(
    ctx: Context,
    current: DatabaseSecretValue,
    master: MasterSecret | undefined,
    alternate: string,
  ): Promise<DatabaseSession> {
    const pair = accountPair(current);
    const admin = await masterSession(ctx, current, "setSecret (master login)", master);
    if (pair.preCreated) return admin;
    try {
      await admin.readAheadForSync({
        current: current.AccountName,
        alternate,
        base: pair.base,
        ownerRole: current.ownerRole,
      });
    } catch (error) {
      release(admin);
      throw error;
    }
    return admin;
  }

  /** What createValue started for this value, once: a re-run of apply starts afresh. */
  function takeEarlyWork(current: DatabaseSecretValue) {
    const early = earlyWork.get(current);
    earlyWork.delete(current);
    if (early) early.taken = true;
    return early;
  }

  /** Logs in, proves it, logs out. */
  async function check(ctx: Context, value: DatabaseSecretValue, step: string): Promise<void> {
    release(await login(ctx, value, credentialsOf(value), step));
  }

  /**
   * True when the server takes the password, false when it refuses it. A
   * MySQL login names no database: an account whose privileges are not
   * granted yet (a crash between creating and granting) still proves its
   * password. PostgreSQL needs one to connect to at all.
   */
  async function logsIn(
    ctx: Context,
    value: DatabaseSecretValue,
    credentials: DatabaseCredentials,
    step: string,
  ): Promise<boolean> {
    const target = engine === "mysql" ? { ...value, database: undefined } : value;
    try {
      release(await accounts.login(target, credentials, step, run(ctx)));
      return true;
    } catch (error) {
      if (error instanceof DatabaseLoginRefusedError) return false;
      throw error;
    }
  }

  /**
   * The usual proof that the alternate is this secret's, from the second
   * rotation on: it logs in with ACSPrevious's password (it was current
   * then). False when ACSPrevious names another account, or none. The
   * login waits for `target`, the check of where it may go.
   */
  async function previousLogsIn(
    ctx: Context,
    current: DatabaseSecretValue,
    alternate: string,
    target: Promise<unknown> = Promise.resolve(),
  ): Promise<boolean> {
    // ACSPrevious is this secret's own version: read it while the target is checked.
    const [previous] = await Promise.all([previousValue(ctx, current, alternate), target]);
    if (!previous) return false;
    return logsIn(
      ctx,
      current,
      { account: alternate, password: previous.AccountPassword },
      ALTERNATE_LOGIN,
    );
  }

  /**
   * For an alternate that exists but did not log in with ACSPrevious's
   * password: the other passwords this secret holds for it, the pending one
   * (an earlier attempt of this rotation set it), ACSCurrent's (after an
   * emergency rotation the leaked account was given it, see revoke), and,
   * last, those of abandoned versions naming it (a rotation cancelled after
   * its setSecret set one, abandoned-versions.ts). Each is tried only as
   * the alternate's password, on the current value's server.
   */
  async function otherPasswordLogsIn(
    ctx: Context,
    current: DatabaseSecretValue,
    pending: DatabaseSecretValue,
  ): Promise<boolean> {
    const tries = (password: string) =>
      logsIn(ctx, current, { account: pending.AccountName, password }, ALTERNATE_LOGIN);
    for (const password of [pending.AccountPassword, current.AccountPassword]) {
      if (await tries(password)) return true;
    }
    for (const data of await abandonedVersionData(ctx)) {
      const abandoned = sameAccountValue(ctx, data, current, pending.AccountName);
      if (abandoned && (await tries(abandoned.AccountPassword))) return true;
    }
    return false;
  }

  /**
   * Ends a session without waiting for the server to acknowledge: the
   * driver puts the goodbye on the wire at once and nothing more is sent on
   * the connection, so the rotation's next call need not wait a round trip.
   */
  function release(session: DatabaseSession): void {
    session.close().catch(() => undefined);
  }

  /**
   * The session that changes other accounts: on RDS and PolarDB the
   * function's RAM identity (no login); elsewhere the master, logged in to
   * the master's own server with the master's own settings. `master` is
   * the master secret when verifyTarget already read it.
   */
  async function masterSession(
    ctx: Context,
    value: DatabaseSecretValue,
    step: string,
    master?: MasterSecret,
  ): Promise<DatabaseSession> {
    const manager = managedAccounts(ctx, value, step);
    if (manager) return manager;
    const admin = master ?? (await verifyTarget(ctx, value));
    if (!admin) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: masterSecret is required for dual-account rotation`,
      );
    }
    return accounts.login(
      masterTarget(admin, value),
      { account: admin.AccountName, password: admin.AccountPassword },
      step,
      run(ctx),
    );
  }

  async function withSession<T>(
    session: DatabaseSession,
    work: (s: DatabaseSession) => Promise<T>,
  ) {
    try {
      return await work(session);
    } finally {
      release(session);
    }
  }

  function assertNameFits(name: string, limit: number) {
    if (accountNameLength(engine, name) > limit) {
      throw new ValidationError(
        `Account name ${JSON.stringify(name)} is longer than ${engine} allows (${limit}${engine === "postgres" ? " bytes" : " characters"}); choose a shorter name or alternateSuffix`,
      );
    }
  }

  /** The refusal for an alternate that exists but is not proven this secret's. */
  function notHeld(ctx: Context, alternate: string, current: DatabaseSecretValue) {
    return new CredentialNotProvenError(
      `Secret ${ctx.secretName}: setSecret stopped: account ${JSON.stringify(alternate)} exists on ${current.host}:${current.port} but logs in with none of the passwords this secret holds (pending, ACSPrevious, ACSCurrent, abandoned versions), so it may be another's: its password is not changed. If it is this secret's other account, store its credentials as the secret's ACSPrevious version first (see "Account pairs" in docs/rotators-database.md)`,
    );
  }

  async function applyDual(
    values: { current: DatabaseSecretValue; pending: DatabaseSecretValue },
    ctx: Context,
  ) {
    const { current, pending } = values;
    assertIsAlternate(current, pending);
    const pair = accountPair(current);
    // Before changing anything: the target is the right one, the current
    // credentials work (or the secret is already broken and a rotation would
    // only hide it), and an alternate that exists is this secret's. Those
    // checks and the master session usually began in createValue; if not (a
    // resumed rotation), they run here, the target first.
    const early = takeEarlyWork(current);
    let master: MasterSecret | undefined;
    if (!early) master = await verifyTarget(ctx, current);
    const [admin, currentCheck, proof] = await Promise.allSettled([
      early?.master ?? masterSession(ctx, current, "setSecret (master login)", master),
      early?.check ?? check(ctx, current, "setSecret (current login)"),
      early?.proof ?? previousLogsIn(ctx, current, pending.AccountName),
    ]);
    if (admin.status === "rejected") throw admin.reason;
    await withSession(admin.value, async (session) => {
      if (currentCheck.status === "rejected") throw currentCheck.reason;
      if (proof.status === "rejected") throw proof.reason;
      assertNameFits(pending.AccountName, await session.maxAccountNameLength());
      // An alternate that exists changes only once the secret proves it holds
      // one of its passwords; one that does not exist yet is created (suffix
      // mode) as the current account's twin, which gives nobody anything.
      const exists = proof.value || (await session.accountExists(pending.AccountName));
      if (exists && !proof.value && !(await otherPasswordLogsIn(ctx, current, pending))) {
        throw notHeld(ctx, pending.AccountName, current);
      }
      if (pair.preCreated) {
        if (!exists) {
          throw new DatabaseRotationRefusedError(
            `setSecret: account ${JSON.stringify(pending.AccountName)} named in accounts does not exist on ${current.host}:${current.port}; create both accounts first`,
          );
        }
        if (current.ownerRole !== undefined) {
          if (!session.syncOwnerRole) {
            throw new DatabaseRotationRefusedError(
              `setSecret: ${session.account} cannot keep an owner role; ownerRole is PostgreSQL's, over SQL`,
            );
          }
          await session.syncOwnerRole({
            current: current.AccountName,
            alternate: pending.AccountName,
            base: pair.base,
            ownerRole: current.ownerRole,
          });
        }
        await session.setPassword(pending.AccountName, pending.AccountPassword);
        return;
      }
      await session.syncAlternate({
        current: current.AccountName,
        alternate: pending.AccountName,
        base: pair.base,
        ownerRole: current.ownerRole,
        password: pending.AccountPassword,
      });
    });
  }

  async function applySingle(
    values: { current: DatabaseSecretValue; pending: DatabaseSecretValue },
    ctx: Context,
  ) {
    const { current, pending } = values;
    assertSameServer(current, pending);
    if (pending.AccountName !== current.AccountName) {
      throw new DatabaseRotationRefusedError(
        `Single-user rotation: the pending version names account ${JSON.stringify(pending.AccountName)}, not ${JSON.stringify(current.AccountName)}`,
      );
    }
    await verifyTarget(ctx, current);
    // Pending first: a crash after the database change left it applied.
    // Then current, then previous (a change whose stage switch was lost);
    // previous is read from KMS only when the first two are refused.
    const candidates: { label: string; value: () => Promise<DatabaseSecretValue | undefined> }[] = [
      { label: "pending", value: async () => pending },
      { label: "current", value: async () => current },
      { label: "previous", value: () => previousValue(ctx, current, current.AccountName) },
    ];
    let lastRefusal: unknown;
    for (const candidate of candidates) {
      const value = await candidate.value();
      if (!value) continue;
      let session: DatabaseSession;
      try {
        session = await login(
          ctx,
          value,
          credentialsOf(value),
          `setSecret (${candidate.label} login)`,
        );
      } catch (error) {
        if (error instanceof DatabaseLoginRefusedError) {
          lastRefusal = error;
          continue;
        }
        throw error;
      }
      await withSession(session, async (own) => {
        if (value !== pending) await own.changeOwnPassword(pending.AccountPassword);
      });
      return;
    }
    throw new DatabaseRotationRefusedError(
      `setSecret: none of the pending, current or previous passwords of account ${JSON.stringify(current.AccountName)} logs in on ${current.host}:${current.port}`,
      { cause: lastRefusal },
    );
  }

  /**
   * The ACSPrevious value when it names `account` on the current value's
   * server; undefined otherwise.
   */
  async function previousValue(
    ctx: Context,
    current: DatabaseSecretValue,
    account: string,
  ): Promise<DatabaseSecretValue | undefined> {
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
    current: DatabaseSecretValue,
    account: string,
  ): DatabaseSecretValue | undefined {
    let value: DatabaseSecretValue;
    try {
      value = databaseSecretValue.parse(data, ctx.secretName);
    } catch {
      return undefined;
    }
    ctx.redact(value.AccountPassword);
    const sameAccount =
      value.AccountName === account &&
      value.host === current.host &&
      value.port === current.port &&
      value.DBInstanceId === current.DBInstanceId &&
      value.DBClusterId === current.DBClusterId;
    return sameAccount ? value : undefined;
  }

  return defineRotator({
    kind: engine,
    description:
      engine === "mysql"
        ? "a MySQL or MariaDB account (dual-account with a master secret, or single-user)"
        : "a PostgreSQL role (dual-account with a master secret, or single-user)",
    value: {
      ...databaseSecretValue,
      parse(data, secretName) {
        const value = databaseSecretValue.parse(data, secretName);
        if (value.engine !== engine) {
          throw new ValidationError(
            `The value of secret ${secretName} says engine "${value.engine}", but the rotator is ${engine}`,
          );
        }
        const pair = accountPair(value);
        if (
          value.ownerRole !== undefined &&
          [pair.base, pair.alternate].includes(value.ownerRole)
        ) {
          throw new ValidationError(
            `The value of secret ${secretName} has ownerRole ${JSON.stringify(value.ownerRole)}, one of the two accounts it rotates: the owner role must be a third role (e.g. "${pair.base}_owner")`,
          );
        }
        return value;
      },
    },
    config: configSchema,

    // Dual mode logs in as the master (not on RDS or PolarDB, where RAM changes accounts):
    // read ahead only a master secret the deployment lets the function read.
    readsSecrets(current, policy) {
      const master = current.masterSecret;
      if (rotationMode(current) !== "dual" || managedDatabaseRef(current) || !master) return [];
      return allowsPrefix(policy.masterSecretPrefixes, master) ? [master] : [];
    },

    async createValue(current, ctx) {
      const dual = rotationMode(current) === "dual";
      const AccountName = dual ? otherAccount(current) : current.AccountName;
      // Refused here, before anything is written: the engine-wide limit. The
      // server's own (smaller on old MySQL) is checked in setSecret.
      assertNameFits(AccountName, accounts.maxAccountNameLength);
      // Logins and reads change nothing: they may run while the pending version is stored.
      if (dual) startEarlyWork(ctx, current, AccountName);
      return {
        ...current,
        AccountName,
        AccountPassword: generateDatabasePassword(policyFor(current)),
      };
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
     * have leaked. Dual mode gives that account the new current password
     * (the leaked one stops working, whoever can read the new one could log
     * in as the new current account anyway, and the next rotation, which
     * sets this account's password again, can prove the account is this
     * secret's) and ends its open sessions. The account must first prove to
     * be the current one's partner: it logs in with the leaked password (or,
     * on a re-run, already with the new one). Single mode has nothing left
     * to do: the account's password already changed.
     */
    async revoke({ revoked, current }, ctx) {
      if (revoked.AccountName === current.AccountName) return;
      assertIsAlternate(current, revoked);
      const found = await verifyTarget(ctx, current);
      const step = "finishSecret (revoked login)";
      const leakedWorks = await logsIn(ctx, current, credentialsOf(revoked), step);
      const proven =
        leakedWorks ||
        (await logsIn(
          ctx,
          current,
          { account: revoked.AccountName, password: current.AccountPassword },
          step,
        ));
      if (!proven) {
        ctx.log.warn("revoke-skipped", {
          account: revoked.AccountName,
          reason: "the account logs in with neither the leaked nor the new current password",
        });
        return;
      }
      const admin = await masterSession(ctx, current, "finishSecret (master login)", found);
      await withSession(admin, async (session) => {
        if (leakedWorks) await session.setPassword(revoked.AccountName, current.AccountPassword);
        await session.endSessions(revoked.AccountName);
      });
    },
  });
}

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
 * The engine (src/engine) owns stages, the token, locking and retries; this
 * file only says what each step does on the database.
 */
import { z } from "zod";
import { ApiError, ValidationError } from "../../errors.ts";
import { defineRotator, type Rotator, type RotatorContext } from "../contract.ts";
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
import { DatabaseLoginRefusedError, DatabaseRotationRefusedError } from "./database-errors.ts";
import {
  DATABASE_PASSWORD_POLICIES,
  generateDatabasePassword,
} from "./database-password-policy.ts";
import {
  type DatabaseSecretValue,
  databaseSecretValue,
  rotationMode,
} from "./database-secret-value.ts";
import {
  defaultRdsDatabaseClients,
  RdsAccountManager,
  type RdsDatabaseClients,
  withRdsPasswordReset,
} from "./rds-account-manager.ts";
import { RDS_PASSWORD_POLICY } from "./rds-password-policy.ts";

/** Database rotators read everything from the secret's value; no tags needed. */
const configSchema = z.object({});
type DatabaseRotatorConfig = z.infer<typeof configSchema>;
type Context = RotatorContext<DatabaseRotatorConfig>;

const masterValueSchema = z.object({
  AccountName: z.string().min(1),
  AccountPassword: z.string().min(1),
});

export interface DatabaseRotatorOptions {
  /** The RDS client for secrets that name a DBInstanceId (default: standard credentials and endpoints). */
  rds?: RdsDatabaseClients | undefined;
}

export function createDatabaseRotator(
  accounts: DatabaseAccounts,
  options: DatabaseRotatorOptions = {},
): Rotator<DatabaseSecretValue, DatabaseRotatorConfig> {
  const engine = accounts.engine;
  const rdsClients = options.rds ?? defaultRdsDatabaseClients();
  /** RDS's password rules when the secret names an RDS instance, the engine's otherwise. */
  const policyFor = (value: DatabaseSecretValue) =>
    value.DBInstanceId ? RDS_PASSWORD_POLICY : DATABASE_PASSWORD_POLICIES[engine];

  /** Account changes through the RDS API, for a secret that names a DBInstanceId. */
  const rdsManager = (ctx: Context, value: DatabaseSecretValue, step: string) =>
    value.DBInstanceId
      ? new RdsAccountManager({
          engine,
          instanceId: value.DBInstanceId,
          client: rdsClients.rds(value.RegionId),
          run: run(ctx),
          step,
        })
      : undefined;

  const run =
    (ctx: Context): ExternalRunner =>
    (name, call) =>
      ctx.external(name, call);

  const login = async (
    ctx: Context,
    value: DatabaseSecretValue,
    credentials: DatabaseCredentials,
    step: string,
  ): Promise<DatabaseSession> => {
    const session = await accounts.login(value, credentials, step, run(ctx));
    const manager = rdsManager(ctx, value, step);
    return manager ? withRdsPasswordReset(session, manager) : session;
  };

  const credentialsOf = (value: DatabaseSecretValue): DatabaseCredentials => ({
    account: value.AccountName,
    password: value.AccountPassword,
  });

  /**
   * What createValue starts so that it runs while the engine stores the
   * pending version: the current password's login check and, off RDS, the
   * master session, logged in and with what syncAlternate reads first
   * already read. Logins and reads change nothing; applyDual awaits both
   * before any change. Keyed by the current value, the object the engine
   * hands both; a master session apply does not take is closed when the
   * invocation ends.
   */
  const earlyWork = new WeakMap<
    DatabaseSecretValue,
    { check: Promise<void>; master: Promise<DatabaseSession> | undefined; taken: boolean }
  >();

  function startEarlyWork(ctx: Context, current: DatabaseSecretValue, alternate: string): void {
    const checking = check(ctx, current, "setSecret (current login)");
    // On RDS the master is the function's RAM identity: there is no session to open.
    const master = current.DBInstanceId ? undefined : openEarlyMaster(ctx, current, alternate);
    // Awaited in applyDual; a rotation that ends before it must not see an unhandled rejection.
    checking.catch(() => undefined);
    master?.catch(() => undefined);
    const early = { check: checking, master, taken: false };
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
    alternate: string,
  ): Promise<DatabaseSession> {
    const pair = accountPair(current);
    const admin = await masterSession(ctx, current, "setSecret (master login)");
    if (pair.preCreated) return admin;
    try {
      await admin.readAheadForSync({ current: current.AccountName, alternate, base: pair.base });
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
   * Ends a session without waiting for the server to acknowledge: the
   * driver puts the goodbye on the wire at once and nothing more is sent on
   * the connection, so the rotation's next call need not wait a round trip.
   */
  function release(session: DatabaseSession): void {
    session.close().catch(() => undefined);
  }

  async function masterSession(
    ctx: Context,
    value: DatabaseSecretValue,
    step: string,
  ): Promise<DatabaseSession> {
    // On RDS the function's RAM identity changes accounts: no master login.
    const manager = rdsManager(ctx, value, step);
    if (manager) return manager;
    const name = value.masterSecret;
    if (!name) {
      throw new ValidationError(
        `Secret ${ctx.secretName}: masterSecret is required for dual-account rotation`,
      );
    }
    const raw = await ctx.readSecret(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const master = masterValueSchema.safeParse(parsed);
    if (!master.success) {
      throw new ValidationError(
        `The master secret ${name} has the wrong shape; expected {"AccountName":"…","AccountPassword":"…"}`,
      );
    }
    ctx.redact(master.data.AccountPassword);
    return login(
      ctx,
      value,
      { account: master.data.AccountName, password: master.data.AccountPassword },
      step,
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

  async function applyDual(
    values: { current: DatabaseSecretValue; pending: DatabaseSecretValue },
    ctx: Context,
  ) {
    const { current, pending } = values;
    assertIsAlternate(current, pending);
    const pair = accountPair(current);
    // Before changing anything: the current credentials must work, or the
    // secret is already broken and a rotation would only hide it. That
    // check and the master session usually began in createValue; if not (a
    // resumed rotation), they run side by side here: they are independent.
    const early = takeEarlyWork(current);
    const [master, currentCheck] = await Promise.allSettled([
      early?.master ?? masterSession(ctx, current, "setSecret (master login)"),
      early?.check ?? check(ctx, current, "setSecret (current login)"),
    ]);
    if (master.status === "rejected") throw master.reason;
    await withSession(master.value, async (admin) => {
      if (currentCheck.status === "rejected") throw currentCheck.reason;
      assertNameFits(pending.AccountName, await admin.maxAccountNameLength());
      if (pair.preCreated) {
        if (!(await admin.accountExists(pending.AccountName))) {
          throw new DatabaseRotationRefusedError(
            `setSecret: account ${JSON.stringify(pending.AccountName)} named in accounts does not exist on ${current.host}:${current.port}; create both accounts first`,
          );
        }
        await admin.setPassword(pending.AccountName, pending.AccountPassword);
      } else {
        await admin.syncAlternate({
          current: current.AccountName,
          alternate: pending.AccountName,
          base: pair.base,
          password: pending.AccountPassword,
        });
      }
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
    // Pending first: a crash after the database change left it applied.
    // Then current, then previous (a change whose stage switch was lost);
    // previous is read from KMS only when the first two are refused.
    const candidates: { label: string; value: () => Promise<DatabaseSecretValue | undefined> }[] = [
      { label: "pending", value: async () => pending },
      { label: "current", value: async () => current },
      { label: "previous", value: () => previousValue(ctx, current) },
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

  /** The ACSPrevious value when it names the same account on the same server; undefined otherwise. */
  async function previousValue(
    ctx: Context,
    current: DatabaseSecretValue,
  ): Promise<DatabaseSecretValue | undefined> {
    let data: string;
    try {
      data = await ctx.readSecret(ctx.secretName, { versionStage: "ACSPrevious" });
    } catch (error) {
      if (error instanceof ApiError && error.code === "Forbidden.ResourceNotFound")
        return undefined;
      throw error;
    }
    let previous: DatabaseSecretValue;
    try {
      previous = databaseSecretValue.parse(data, ctx.secretName);
    } catch {
      return undefined;
    }
    ctx.redact(previous.AccountPassword);
    const sameAccount =
      previous.AccountName === current.AccountName &&
      previous.host === current.host &&
      previous.port === current.port;
    return sameAccount ? previous : undefined;
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
        return value;
      },
    },
    config: configSchema,

    // Dual mode logs in as the master (not on RDS, where RAM changes accounts).
    readsSecrets(current) {
      const master = current.masterSecret;
      return rotationMode(current) === "dual" && !current.DBInstanceId && master ? [master] : [];
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
     * Emergency, after the switch: the old current password is taken to have
     * leaked. Dual mode gives that account a random password nobody keeps
     * (the next rotation sets a real one through the master) and ends its
     * open sessions. Single mode has nothing left to do: the account's
     * password already changed.
     */
    async revoke({ revoked, current }, ctx) {
      if (revoked.AccountName === current.AccountName) return;
      const master = await masterSession(ctx, current, "finishSecret (master login)");
      await withSession(master, async (admin) => {
        const scrambled = generateDatabasePassword(policyFor(current));
        ctx.redact(scrambled);
        await admin.setPassword(revoked.AccountName, scrambled);
        await admin.endSessions(revoked.AccountName);
      });
    },
  });
}

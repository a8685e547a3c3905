/**
 * The accounts of a local Redis/Tair instance, kept on the real server as
 * ACL users: an account is an ACL user, its password the user's one
 * password, its privilege a fixed set of ACL rules (PRIVILEGE_RULES). The
 * server enforces them; DescribeAccounts reads them back from the server,
 * so what it reports is what the server does.
 *
 * Passwords reach the server only as SHA-256 hashes (`#<hex>`, which Redis
 * stores as they are): the password itself is in no command the server
 * could log or show in SLOWLOG or MONITOR.
 *
 * Requests reach this file only after every parameter, the caller's RAM
 * permission and the instance were checked. Errors are kvstoreErrors, never
 * ioredis's, which carry the failed command and its arguments.
 */
import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { CloudApiError } from "../api-error.ts";
import {
  KVSTORE_ACCOUNT_PRIVILEGES,
  type KvstoreAccountPrivilege,
  kvstoreErrors,
} from "./kvstore-account-rules.ts";
import type { LocalRedisInstance } from "./local-redis-instance.ts";

/**
 * The ACL rules behind each privilege, on every key (`~*`) and channel
 * (`&*`), as Alibaba describes them: read-only accounts read data and
 * never change it, read-write accounts read, write and delete it, and
 * replication accounts may also run SYNC and PSYNC. No account may run
 * administrative commands (`@admin`: ACL SETUSER, CONFIG, SHUTDOWN,
 * REPLICAOF, MONITOR, DEBUG, …), so none can grant itself more. Read-only
 * accounts keep the connection commands (AUTH, HELLO, SELECT, PING, CLIENT
 * SETNAME), transactions and INFO, which clients send on their own (ioredis's
 * ready check is INFO); they get no Pub/Sub.
 */
export const PRIVILEGE_RULES: Readonly<Record<KvstoreAccountPrivilege, readonly string[]>> = {
  RoleReadOnly: [
    "~*",
    "&*",
    "-@all",
    "+@read",
    "+@connection",
    "+@transaction",
    "+info",
    "-@admin",
  ],
  RoleReadWrite: ["~*", "&*", "+@all", "-@admin"],
  RoleRepl: ["~*", "&*", "+@all", "-@admin", "+sync", "+psync", "+replconf"],
};

export interface KvstoreAccount {
  name: string;
  /** The privilege whose rules the user holds exactly, or `Custom` (rules set by other means). */
  privilege: KvstoreAccountPrivilege | "Custom";
  /** `Available`, or `Unavailable` for a user switched off on the server. */
  status: "Available" | "Unavailable";
}

/** An ACL user as ACL GETUSER describes it. */
interface AclUser {
  flags: string[];
  passwords: string[];
  /** Everything but flags and passwords: what the user may do. */
  rules: string;
}

/** Mutations of one server run one at a time, so a check and the change after it see the same users. */
const serverQueues = new Map<string, Promise<unknown>>();

function serialised<T>(instance: LocalRedisInstance, work: () => Promise<T>): Promise<T> {
  const key = `${instance.host}:${instance.port}`;
  const run = (serverQueues.get(key) ?? Promise.resolve()).then(work);
  const settled = run.catch(() => undefined);
  serverQueues.set(key, settled);
  void settled.then(() => {
    if (serverQueues.get(key) === settled) serverQueues.delete(key);
  });
  return run;
}

/** What Redis stores for a password: its SHA-256, in hex. */
function passwordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** One administrator connection per request: the local cloud serves few calls and keeps no pool open. */
async function asAdministrator<T>(
  instance: LocalRedisInstance,
  work: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis({
    host: instance.host,
    port: instance.port,
    username: instance.adminUser,
    password: instance.adminPassword,
    tls:
      instance.tls === undefined
        ? undefined
        : { ca: instance.tls.ca, servername: instance.tls.servername },
    protocol: 2,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 10_000,
    commandTimeout: 10_000,
  });
  // A connection the server drops later must not crash the local cloud, nor print its error.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch {
    client.disconnect();
    throw kvstoreErrors.internal();
  }
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof CloudApiError) throw error;
    throw kvstoreErrors.internal();
  } finally {
    client.disconnect();
  }
}

/** ACL GETUSER's answer, or undefined for no such user. */
async function getUser(client: Redis, name: string): Promise<AclUser | undefined> {
  const reply = (await client.call("ACL", "GETUSER", name)) as unknown[] | null;
  return reply === null ? undefined : parseUser(reply);
}

/**
 * How this server writes each privilege's rules back (Redis rewrites rules
 * into its own form, which varies between versions): a throwaway user is
 * given each privilege and read back inside one MULTI, then deleted in it,
 * so no other client ever sees it.
 */
async function privilegeRulesOnServer(
  client: Redis,
): Promise<Map<string, KvstoreAccountPrivilege>> {
  const probe = `local-cloud-probe-${randomUUID()}`;
  const transaction = client.multi();
  for (const privilege of KVSTORE_ACCOUNT_PRIVILEGES) {
    transaction.call("ACL", "SETUSER", probe, "reset", ...PRIVILEGE_RULES[privilege]);
    transaction.call("ACL", "GETUSER", probe);
  }
  transaction.call("ACL", "DELUSER", probe);
  const results = (await transaction.exec()) ?? [];
  const byRules = new Map<string, KvstoreAccountPrivilege>();
  KVSTORE_ACCOUNT_PRIVILEGES.forEach((privilege, index) => {
    const [error, reply] = results[index * 2 + 1] ?? [new Error("no reply")];
    if (error) throw error;
    const user = parseUser(reply as unknown[]);
    byRules.set(user.rules, privilege);
  });
  return byRules;
}

/** ACL GETUSER's flat list of names and values, read into an AclUser. */
function parseUser(reply: unknown[]): AclUser {
  const fields = new Map<string, unknown>();
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields.set(String(reply[index]), reply[index + 1]);
  }
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    flags: list(fields.get("flags")),
    passwords: list(fields.get("passwords")),
    rules: JSON.stringify([
      String(fields.get("commands") ?? ""),
      String(fields.get("keys") ?? ""),
      String(fields.get("channels") ?? ""),
      fields.get("selectors") ?? [],
    ]),
  };
}

/** An account the product shows: any ACL user but Redis's `default` and the administrator. */
function isAccountName(instance: LocalRedisInstance, name: string): boolean {
  return name !== "default" && name !== instance.adminUser;
}

/** The account's ACL user; InvalidAccountName.NotFound when there is none. */
async function existingAccount(
  client: Redis,
  instance: LocalRedisInstance,
  name: string,
): Promise<AclUser> {
  const user = isAccountName(instance, name) ? await getUser(client, name) : undefined;
  if (!user) throw kvstoreErrors.accountNotFound(name);
  return user;
}

export const redisAclAccounts = {
  /** Every account (or the one named), sorted by name. */
  async list(instance: LocalRedisInstance, accountName?: string): Promise<KvstoreAccount[]> {
    return asAdministrator(instance, async (client) => {
      const names =
        accountName === undefined
          ? ((await client.call("ACL", "USERS")) as string[]).map(String).sort()
          : [accountName];
      const known = await privilegeRulesOnServer(client);
      const accounts: KvstoreAccount[] = [];
      for (const name of names) {
        if (!isAccountName(instance, name)) continue;
        const user = await getUser(client, name);
        if (!user) continue;
        accounts.push({
          name,
          privilege: known.get(user.rules) ?? "Custom",
          status: user.flags.includes("on") ? "Available" : "Unavailable",
        });
      }
      return accounts;
    });
  },

  /** A new ACL user, on, with the password and the privilege's rules. */
  async create(
    instance: LocalRedisInstance,
    input: { name: string; password: string; privilege: KvstoreAccountPrivilege },
  ): Promise<void> {
    await serialised(instance, () =>
      asAdministrator(instance, async (client) => {
        if (!isAccountName(instance, input.name) || (await getUser(client, input.name))) {
          throw kvstoreErrors.accountDuplicate(input.name);
        }
        await client.call(
          "ACL",
          "SETUSER",
          input.name,
          "reset",
          "on",
          `#${passwordHash(input.password)}`,
          ...PRIVILEGE_RULES[input.privilege],
        );
      }),
    );
  },

  /** Replaces what the account may do with the privilege's rules; its password stays. */
  async grant(
    instance: LocalRedisInstance,
    name: string,
    privilege: KvstoreAccountPrivilege,
  ): Promise<void> {
    await serialised(instance, () =>
      asAdministrator(instance, async (client) => {
        await existingAccount(client, instance, name);
        await client.call(
          "ACL",
          "SETUSER",
          name,
          "resetkeys",
          "resetchannels",
          "clearselectors",
          "-@all",
          ...PRIVILEGE_RULES[privilege],
        );
      }),
    );
  },

  /** The new password replaces every password the user had; sessions already logged in stay. */
  async resetPassword(instance: LocalRedisInstance, name: string, password: string): Promise<void> {
    await serialised(instance, () =>
      asAdministrator(instance, async (client) => {
        await existingAccount(client, instance, name);
        await client.call("ACL", "SETUSER", name, "resetpass", `#${passwordHash(password)}`);
      }),
    );
  },

  /** ResetAccountPassword once `oldPassword` is proven to be the account's password. */
  async modifyPassword(
    instance: LocalRedisInstance,
    name: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<void> {
    await serialised(instance, () =>
      asAdministrator(instance, async (client) => {
        const user = await existingAccount(client, instance, name);
        if (!user.passwords.includes(passwordHash(oldPassword))) {
          throw kvstoreErrors.oldPasswordMismatch();
        }
        await client.call("ACL", "SETUSER", name, "resetpass", `#${passwordHash(newPassword)}`);
      }),
    );
  },

  /** ACL DELUSER: the server also closes every connection of the user. */
  async delete(instance: LocalRedisInstance, name: string): Promise<void> {
    await serialised(instance, () =>
      asAdministrator(instance, async (client) => {
        await existingAccount(client, instance, name);
        await client.call("ACL", "DELUSER", name);
      }),
    );
  },
};

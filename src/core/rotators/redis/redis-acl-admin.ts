/**
 * Dual-account changes on a self-managed Redis 6+ server, through a master
 * login's ACL commands (the master needs `ACL GETUSER`, `ACL SETUSER` and
 * `CLIENT KILL`, as `+@admin` or `+acl|getuser +acl|setuser +client|kill`).
 *
 * The alternate user gets exactly the current user's rules
 * (redis-acl-rules.ts), copied at every rotation so rules added later
 * follow, and checked by reading both users back before its password
 * changes. Passwords are sent as their SHA-256 (`#<hex>`), which Redis
 * stores as it is: no password is in any ACL command, so none can show in
 * SLOWLOG, MONITOR or the ACL log. `resetpass` first: the user keeps
 * exactly one password.
 */
import type { AlternateSync, RedisAccountAdmin } from "./redis-account-admin.ts";
import {
  type AclUser,
  aclPasswordHash,
  clearingRules,
  differingParts,
  parseAclUser,
  sameRules,
} from "./redis-acl-rules.ts";
import type { RedisSession } from "./redis-connection.ts";
import { RedisCommandError, RedisRotationRefusedError } from "./redis-errors.ts";

export class RedisAclAdmin implements RedisAccountAdmin {
  readonly where: string;

  constructor(private readonly session: RedisSession) {
    this.where = `${session.endpoint.host}:${session.endpoint.port}`;
  }

  async accountExists(account: string): Promise<boolean> {
    return (await this.getUser(account)) !== undefined;
  }

  async syncAlternate(input: AlternateSync): Promise<void> {
    const hash = aclPasswordHash(input.password);
    this.session.keepSecret(input.password, hash);
    const current = await this.getUser(input.current);
    if (!current) {
      throw new RedisRotationRefusedError(
        `setSecret: user ${JSON.stringify(input.current)} does not exist on ${this.where}`,
      );
    }
    this.refuseNopass(input.current, current);
    const alternate = await this.getUser(input.alternate);
    if (!alternate) {
      if (!input.mayCreate) {
        throw new RedisRotationRefusedError(
          `setSecret: user ${JSON.stringify(input.alternate)} named in accounts does not exist on ${this.where}; create both users first`,
        );
      }
      // One command: the new user exists only with the pending password and
      // the current user's rules, so a crash right after leaves a user this
      // secret's pending password proves.
      await this.session.command(
        "createAlternate",
        "ACL",
        "SETUSER",
        input.alternate,
        "on",
        `#${hash}`,
        ...clearingRules(current.knows),
        ...current.rules,
      );
      await this.checkSameRules(input, current, "created");
      return;
    }
    this.refuseNopass(input.alternate, alternate);
    if (!sameRules(current, alternate)) {
      await this.session.command(
        "copyRules",
        "ACL",
        "SETUSER",
        input.alternate,
        ...clearingRules(current.knows),
        ...current.rules,
      );
      await this.checkSameRules(input, current, "existing");
    }
    const alreadySet =
      alternate.passwordHashes.length === 1 && alternate.passwordHashes[0] === hash;
    if (!alreadySet) {
      await this.session.command(
        "setPassword",
        "ACL",
        "SETUSER",
        input.alternate,
        "resetpass",
        `#${hash}`,
      );
    }
  }

  async setPassword(account: string, password: string): Promise<void> {
    const hash = aclPasswordHash(password);
    this.session.keepSecret(password, hash);
    const user = await this.getUser(account);
    if (!user) {
      throw new RedisRotationRefusedError(
        `user ${JSON.stringify(account)} does not exist on ${this.where}`,
      );
    }
    this.refuseNopass(account, user);
    await this.session.command("setPassword", "ACL", "SETUSER", account, "resetpass", `#${hash}`);
  }

  /** CLIENT KILL USER: every connection of the account but this one. */
  async endSessions(account: string): Promise<void> {
    try {
      await this.session.command("endSessions", "CLIENT", "KILL", "USER", account);
    } catch (error) {
      // A user deleted meanwhile has no connection left to end.
      if (error instanceof RedisCommandError && /No such user/i.test(error.message)) return;
      throw error;
    }
  }

  close(): void {
    this.session.close();
  }

  private async getUser(account: string): Promise<AclUser | undefined> {
    const reply = await this.session.command("getUser", "ACL", "GETUSER", account);
    return reply === null ? undefined : parseAclUser(reply);
  }

  /**
   * A `nopass` user logs in with any password: a login proves nothing
   * about it, and a password set on it would lock out whoever relies on it.
   */
  private refuseNopass(account: string, user: AclUser): void {
    if (user.flags.includes("nopass")) {
      throw new RedisRotationRefusedError(
        `setSecret: user ${JSON.stringify(account)} on ${this.where} has nopass (any password logs in as it), so a rotation would prove and change nothing; give it a password first`,
      );
    }
  }

  /**
   * Reads the alternate back: its rules must read as the current user's,
   * or the rotation stops before an existing alternate's password changes
   * (a new one holds only the pending password, which is not current).
   */
  private async checkSameRules(
    input: AlternateSync,
    current: AclUser,
    alternate: "created" | "existing",
  ): Promise<void> {
    const copy = await this.getUser(input.alternate);
    if (copy && sameRules(current, copy)) return;
    const differ = copy
      ? `their ${differingParts(current, copy).join(", ")} still differ`
      : "the user is gone";
    const password =
      alternate === "existing" ? "its password was not changed" : "it is not made current";
    throw new RedisRotationRefusedError(
      `setSecret: after copying the rules of ${JSON.stringify(input.current)} to ${JSON.stringify(input.alternate)} on ${this.where}, ${differ}; ${password}`,
    );
  }
}

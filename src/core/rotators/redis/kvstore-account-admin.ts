/**
 * Dual-account changes on an ApsaraDB for Redis/Tair instance through the
 * R-kvstore OpenAPI (2015-01-01), for secrets that name an `InstanceId`. It
 * stands where the master login stands on a self-managed server: the
 * rotation function's RAM identity needs kvstore:DescribeAccounts,
 * kvstore:CreateAccount, kvstore:GrantAccountPrivilege and
 * kvstore:ResetAccountPassword on the instance, and no administrator
 * password is kept anywhere. Logins that test a password still go to the
 * instance itself.
 *
 * An ApsaraDB account holds one named privilege (RoleReadOnly,
 * RoleReadWrite, RoleRepl): the alternate is given the one the current
 * account holds. An account with rules that match none (reported as
 * `Custom`) cannot be copied by name, and is refused.
 */
import type { KvstoreAccount, KvstoreAccountPrivilege, KvstoreClient } from "@rotor/cloud-api";
import { ApiError } from "@rotor/cloud-api";
import type { AlternateSync, RedisAccountAdmin } from "./redis-account-admin.ts";
import type { ExternalRunner } from "./redis-connection.ts";
import { RedisRotationRefusedError } from "./redis-errors.ts";

const NAMED_PRIVILEGES: ReadonlySet<string> = new Set<KvstoreAccountPrivilege>([
  "RoleReadOnly",
  "RoleReadWrite",
  "RoleRepl",
]);

export class KvstoreAccountAdmin implements RedisAccountAdmin {
  readonly where: string;

  constructor(
    private readonly input: {
      instanceId: string;
      client: KvstoreClient;
      run: ExternalRunner;
      step: string;
    },
  ) {
    this.where = `ApsaraDB for Redis/Tair instance ${input.instanceId}`;
  }

  async accountExists(account: string): Promise<boolean> {
    return (await this.describe(account)) !== undefined;
  }

  /**
   * Creates the alternate with the password and the current account's
   * privilege when missing (one that a concurrent or crashed run created
   * counts as existing), otherwise grants it that privilege if it holds
   * another, then resets its password.
   */
  async syncAlternate(sync: AlternateSync): Promise<void> {
    const current = await this.describe(sync.current);
    if (!current) {
      throw new RedisRotationRefusedError(
        `${this.input.step}: account ${JSON.stringify(sync.current)} does not exist on ${this.where}`,
      );
    }
    const privilege = current.accountPrivilege;
    if (!NAMED_PRIVILEGES.has(privilege)) {
      throw new RedisRotationRefusedError(
        `${this.input.step}: account ${JSON.stringify(sync.current)} on ${this.where} holds rules that match no privilege ApsaraDB grants by name (${privilege || "none reported"}), so its twin cannot be given the same; nothing was changed`,
      );
    }
    const named = privilege as KvstoreAccountPrivilege;
    const alternate = await this.describe(sync.alternate);
    if (!alternate) {
      if (!sync.mayCreate) {
        throw new RedisRotationRefusedError(
          `${this.input.step}: account ${JSON.stringify(sync.alternate)} named in accounts does not exist on ${this.where}; create both accounts first`,
        );
      }
      if (await this.create(sync.alternate, sync.password, named)) return;
    }
    if (alternate?.accountPrivilege !== named) {
      await this.input.run("kvstore.GrantAccountPrivilege", () =>
        this.input.client.grantAccountPrivilege({
          instanceId: this.input.instanceId,
          accountName: sync.alternate,
          accountPrivilege: named,
        }),
      );
    }
    await this.setPassword(sync.alternate, sync.password);
  }

  async setPassword(account: string, password: string): Promise<void> {
    await this.input.run("kvstore.ResetAccountPassword", () =>
      this.input.client.resetAccountPassword({
        instanceId: this.input.instanceId,
        accountName: account,
        accountPassword: password,
      }),
    );
  }

  /**
   * The R-kvstore OpenAPI has no call that ends an account's connections,
   * and ApsaraDB accounts may not run CLIENT KILL: after a leak the
   * account's password is changed, and connections already open stay
   * until they close.
   */
  async endSessions(): Promise<void> {}

  close(): void {}

  private async describe(account: string): Promise<KvstoreAccount | undefined> {
    const { accounts } = await this.input.run("kvstore.DescribeAccounts", () =>
      this.input.client.describeAccounts({
        instanceId: this.input.instanceId,
        accountName: account,
      }),
    );
    return accounts.find((entry) => entry.accountName === account);
  }

  /** True when this call created the account; false when it existed already. */
  private async create(
    account: string,
    password: string,
    privilege: KvstoreAccountPrivilege,
  ): Promise<boolean> {
    try {
      await this.input.run("kvstore.CreateAccount", () =>
        this.input.client.createAccount({
          instanceId: this.input.instanceId,
          accountName: account,
          accountPassword: password,
          accountPrivilege: privilege,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "InvalidAccountName.Duplicate") return false;
      throw error;
    }
  }
}

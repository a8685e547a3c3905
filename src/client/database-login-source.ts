/**
 * Which login a pool's new connections use, shared by the MySQL and
 * PostgreSQL pools so both follow one rule:
 *
 * - a new connection logs in with the secret's ACSCurrent value, as cached
 *   by the SecretsClient (after the first load, without waiting for KMS);
 * - when the database refuses it, the secret is read again (once) and a
 *   newer ACSCurrent is tried; if ACSCurrent has not changed, the pending
 *   version is tried: a single-user rotation sets the new password on the
 *   database before it promotes that version to ACSCurrent, and this keeps
 *   new connections working in between. When the pending stage holds
 *   nothing new, ACSCurrent is read once more: finishSecret may have
 *   promoted the pending version between the two reads.
 *
 * Open connections are never touched: a rotation that keeps the old login
 * valid (dual-account) lets them finish their work. One the server ends (an
 * emergency ends the leaked account's sessions) is dropped by the pool, and
 * the next checkout opens a new one through this source.
 */
import { ValidationError } from "@rotor/cloud-api";
import { type DatabaseEngine, type DatabaseLogin, readDatabaseLogin } from "./database-login.ts";
import type { SecretVersion } from "./secret-version.ts";
import type { SecretsClient } from "./secrets-client.ts";

/** The stage Rotor's rotations give a new version before it becomes ACSCurrent. */
export const DEFAULT_PENDING_STAGE = "ACSPending";

export interface DatabaseLoginSourceOptions {
  secrets: SecretsClient;
  secretName: string;
  engine: DatabaseEngine;
  /** The pending stage to try after a refused login, or false to never try one. */
  pendingStage: string | false;
}

export class DatabaseLoginSource {
  private inUse: DatabaseLogin | undefined;
  private currentVersionId: string | undefined;

  constructor(private readonly options: DatabaseLoginSourceOptions) {}

  /**
   * The login for a new connection. Once one is known it is returned at
   * once and the cache is consulted in the background, so acquiring a
   * connection never waits on KMS (nor fails with it) after the first.
   */
  async forNewConnection(): Promise<DatabaseLogin> {
    if (this.inUse === undefined) return this.followCurrent();
    this.followCurrent().catch(() => undefined);
    return this.inUse;
  }

  /**
   * After the database refused `tried`: the next login worth one attempt,
   * or undefined when the secret holds nothing newer. A secret value that is
   * not a database login fails with its ValidationError; KMS failures give
   * undefined (the caller reports the refused login, the real symptom).
   */
  async afterLoginRefused(tried: DatabaseLogin): Promise<DatabaseLogin | undefined> {
    const { secrets, secretName, pendingStage } = this.options;
    try {
      const current = await secrets.refresh(secretName);
      if (current.versionId !== tried.versionId) return this.adoptCurrent(current);
      if (pendingStage === false) return undefined;
      const pending = await this.readPending(pendingStage);
      if (pending !== undefined && pending.versionId !== tried.versionId) {
        this.inUse = readDatabaseLogin(pending, this.options.engine);
        return this.inUse;
      }
      // Nothing new under the pending stage: finishSecret may have promoted
      // it between the two reads (ACSCurrent moved, then the stage was
      // removed), so the first read's ACSCurrent is already out of date.
      const currentNow = await secrets.refresh(secretName);
      if (currentNow.versionId !== tried.versionId) return this.adoptCurrent(currentNow);
      return undefined;
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      return undefined;
    }
  }

  /** The pending version, or undefined when KMS has none (it answers an error) or cannot say. */
  private async readPending(stage: string): Promise<SecretVersion | undefined> {
    try {
      return await this.options.secrets.refresh(this.options.secretName, { stage });
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      return undefined;
    }
  }

  private async followCurrent(): Promise<DatabaseLogin> {
    const current = await this.options.secrets.getSecretVersion(this.options.secretName);
    if (this.inUse !== undefined && current.versionId === this.currentVersionId) {
      // Unchanged ACSCurrent: keep the login in use (it may be the pending one that worked).
      return this.inUse;
    }
    return this.adoptCurrent(current);
  }

  private adoptCurrent(current: SecretVersion): DatabaseLogin {
    const login = readDatabaseLogin(current, this.options.engine);
    this.currentVersionId = current.versionId;
    this.inUse = login;
    return login;
  }
}

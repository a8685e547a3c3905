/**
 * Which login a client's new connections use, the one rule every client
 * that takes a secret name follows (the MySQL and PostgreSQL pools, the
 * Redis client):
 *
 * - a new connection logs in with the secret's ACSCurrent value, as cached
 *   by the SecretsClient (after the first load, without waiting for KMS);
 * - when the server refuses it, the secret is read again (once) and a
 *   newer ACSCurrent is tried; if ACSCurrent has not changed, the pending
 *   version is tried: a single-user rotation sets the new password on the
 *   server before it promotes that version to ACSCurrent, and this keeps
 *   new connections working in between. When the pending stage holds
 *   nothing new, ACSCurrent is read once more: finishSecret may have
 *   promoted the pending version between the two reads.
 *
 * How a login is read from a secret version is the client's own (`read`).
 */
import { ValidationError } from "@rotor/cloud-api";
import type { SecretVersion } from "./secret-version.ts";
import type { SecretsClient } from "./secrets-client.ts";

/** The stage Rotor's rotations give a new version before it becomes ACSCurrent. */
export const DEFAULT_PENDING_STAGE = "ACSPending";

/** A login read from one secret version. */
export interface SecretLogin {
  /** The secret version the login came from. */
  readonly versionId: string;
}

export interface SecretLoginSourceOptions<Login extends SecretLogin> {
  secrets: SecretsClient;
  secretName: string;
  /** The pending stage to try after a refused login, or false to never try one. */
  pendingStage: string | false;
  /** The login a version holds; throws ValidationError for a value that is not one. */
  read(version: SecretVersion): Login;
}

export class SecretLoginSource<Login extends SecretLogin> {
  private inUse: Login | undefined;
  private currentVersionId: string | undefined;

  constructor(private readonly options: SecretLoginSourceOptions<Login>) {}

  /**
   * The login for a new connection. Once one is known it is returned at
   * once and the cache is consulted in the background, so opening a
   * connection never waits on KMS (nor fails with it) after the first.
   */
  async forNewConnection(): Promise<Login> {
    if (this.inUse === undefined) return this.followCurrent();
    this.followCurrent().catch(() => undefined);
    return this.inUse;
  }

  /**
   * After the server refused `tried`: the next login worth one attempt, or
   * undefined when the secret holds nothing newer. A secret value that is
   * not a login fails with its ValidationError; KMS failures give
   * undefined (the caller reports the refused login, the real symptom).
   */
  async afterLoginRefused(tried: Login): Promise<Login | undefined> {
    const { secrets, secretName, pendingStage } = this.options;
    try {
      const current = await secrets.refresh(secretName);
      if (current.versionId !== tried.versionId) return this.adoptCurrent(current);
      if (pendingStage === false) return undefined;
      const pending = await this.readPending(pendingStage);
      if (pending !== undefined && pending.versionId !== tried.versionId) {
        this.inUse = this.options.read(pending);
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

  private async followCurrent(): Promise<Login> {
    const current = await this.options.secrets.getSecretVersion(this.options.secretName);
    if (this.inUse !== undefined && current.versionId === this.currentVersionId) {
      // Unchanged ACSCurrent: keep the login in use (it may be the pending one that worked).
      return this.inUse;
    }
    return this.adoptCurrent(current);
  }

  private adoptCurrent(current: SecretVersion): Login {
    const login = this.options.read(current);
    this.currentVersionId = current.versionId;
    this.inUse = login;
    return login;
  }
}

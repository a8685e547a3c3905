/**
 * The application side of rotation: read secrets from KMS Secrets Manager
 * through a cache that survives rotations and outages (see secret-cache.ts).
 *
 * Built on the project's KmsClient (@rotor/cloud-api), which signs with the
 * official `@alicloud/openapi-client` and already retries the codes Alibaba's
 * clients retry. Reusing it keeps one tested path for signing, endpoints
 * (ROTOR_ENDPOINT), credentials and error mapping, and stays small: it pulls
 * in @rotor/cloud-api only — nothing of the rotators or the local cloud
 * (test/client/client-imports.test.ts checks this).
 *
 * @example
 * const secrets = new SecretsClient(); // credential chain, ROTOR_ENDPOINT or public KMS
 * const apiKey = await secrets.getSecret("payments-api-key");
 * const db = await secrets.getSecretJson<{ AccountName: string }>("shop-db");
 */
import { KmsClient, ValidationError } from "@rotor/cloud-api";
import { SecretCache, type SecretRequest } from "./secret-cache.ts";
import { SecretVersion } from "./secret-version.ts";
import { resolveCacheOptions, type SecretsClientOptions } from "./secrets-client-options.ts";

/** Which version to read. Default: the stage ACSCurrent. */
export interface SecretSelector {
  /** A stage label such as `ACSCurrent`, `ACSPrevious` or a custom one. */
  stage?: string | undefined;
  /** A version id; with a stage too, KMS insists they match. */
  versionId?: string | undefined;
}

export const ACS_CURRENT = "ACSCurrent";

export class SecretsClient {
  private readonly kms: KmsClient;
  private readonly cache: SecretCache;

  constructor(options: SecretsClientOptions = {}) {
    const cacheOptions = resolveCacheOptions(options);
    this.kms = new KmsClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      observer: options.observer,
      env: options.env,
    });
    this.cache = new SecretCache((request) => this.fetch(request), cacheOptions);
  }

  /** The secret's value (base64 for binary secrets). */
  getSecret(secretName: string, selector: SecretSelector = {}): Promise<string> {
    return this.getSecretVersion(secretName, selector).then(secretValueOf);
  }

  /**
   * The secret's value parsed as JSON. The type parameter is not checked:
   * validate the result with your own schema where the shape matters.
   */
  async getSecretJson<T = unknown>(secretName: string, selector: SecretSelector = {}): Promise<T> {
    return (await this.getSecretVersion(secretName, selector)).json<T>();
  }

  /** The value with its version id and stages (for code that must tell versions apart). */
  getSecretVersion(secretName: string, selector: SecretSelector = {}): Promise<SecretVersion> {
    // Not `async`: a cached read is the hot path, and each async layer costs a promise.
    try {
      return this.cache.get(toRequest(secretName, selector));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads the secret from KMS now, whatever the cache holds, and caches the
   * answer. Concurrent refreshes of one secret share one call. Fails when
   * KMS does (reads keep serving the cached value meanwhile).
   */
  async refresh(secretName: string, selector: SecretSelector = {}): Promise<SecretVersion> {
    return this.cache.refresh(toRequest(secretName, selector));
  }

  /** Stops background refreshes. Optional: they never keep a process alive. */
  close(): void {
    this.cache.close();
  }

  private async fetch(request: SecretRequest): Promise<SecretVersion> {
    const answer = await this.kms.getSecretValue({
      secretName: request.secretName,
      versionStage: request.stage,
      versionId: request.versionId,
    });
    return new SecretVersion({
      secretName: request.secretName,
      versionId: answer.versionId,
      versionStages: answer.versionStages,
      dataType: answer.secretDataType,
      fetchedAt: Date.now(),
      value: answer.secretData,
    });
  }
}

function secretValueOf(version: SecretVersion): string {
  return version.value;
}

function toRequest(secretName: unknown, selector: SecretSelector): SecretRequest {
  checkName("secretName", secretName);
  const { stage, versionId } = selector ?? {};
  if (stage !== undefined) checkName("stage", stage);
  if (versionId !== undefined) checkName("versionId", versionId);
  // No selector means ACSCurrent, so `{}` and `{stage: "ACSCurrent"}` share a cache entry.
  return {
    secretName: secretName as string,
    stage: stage ?? (versionId === undefined ? ACS_CURRENT : undefined),
    versionId,
  };
}

function checkName(what: string, value: unknown): void {
  if (typeof value !== "string" || value.trim() === "" || value.length > 256) {
    throw new ValidationError(
      `${what} must be a non-empty string of at most 256 characters, got ${describeInput(value)}`,
    );
  }
}

function describeInput(value: unknown): string {
  if (typeof value === "string") {
    if (value === "") return "an empty string";
    return value.trim() === "" ? "a blank string" : `a string of ${value.length} characters`;
  }
  if (value === undefined || value === null) return String(value);
  return typeof value;
}

/**
 * The cache behind SecretsClient, independent of how a value is fetched:
 *
 * - a value is served for its TTL without asking KMS;
 * - a secret read since its last fetch is refreshed in the background
 *   shortly before it expires, so readers in steady state never wait;
 * - every fetch is shared: a thousand concurrent reads of a cold or expired
 *   secret cause one call (single flight);
 * - when a refresh fails and a value is at hand, that value keeps being
 *   served (stale-while-error), the outage is announced once, and the next
 *   attempt waits with exponential backoff instead of every read hitting a
 *   KMS that is down.
 *
 * Timers are unref'd: a cache never keeps a process alive.
 */
import { RotorError } from "@rotor/cloud-api";
import type { SecretVersion } from "./secret-version.ts";
import {
  type ResolvedCacheOptions,
  STALE_RETRY_BASE_MS,
  STALE_RETRY_MAX_MS,
} from "./secrets-client-options.ts";

/** Which version to read: by stage, or by id. */
export interface SecretRequest {
  secretName: string;
  stage?: string | undefined;
  versionId?: string | undefined;
}

export type FetchSecretVersion = (request: SecretRequest) => Promise<SecretVersion>;

interface Entry {
  readonly request: SecretRequest;
  readonly label: string;
  readonly ttlMs: number;
  value: SecretVersion | undefined;
  expiresAt: number;
  /** The fetch running now, shared by every reader that needs it. */
  inFlight: Promise<SecretVersion> | undefined;
  /**
   * True until the microtasks of the turn that started inFlight have run:
   * its request cannot have reached KMS yet, so a refresh may share it.
   */
  inFlightUnsent: boolean;
  /** A fetch that starts once the running one ends, shared by refresh() callers. */
  queuedRefresh: Promise<SecretVersion> | undefined;
  /** Read since the latest fetch started: only such entries are refreshed in the background. */
  readSinceAttempt: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  failures: number;
  failingSince: number | undefined;
  nextAttemptAt: number;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly fetchVersion: FetchSecretVersion,
    private readonly options: ResolvedCacheOptions,
  ) {}

  /** The cached value when fresh; otherwise a (shared) fetch, or the stale value if it fails. */
  get(request: SecretRequest): Promise<SecretVersion> {
    const entry = this.entryFor(request);
    const cached = entry.value;
    if (cached === undefined) return this.join(entry);
    entry.readSinceAttempt = true;
    const now = Date.now();
    if (now < entry.expiresAt) return Promise.resolve(cached);
    // A refresh failed lately: until its backoff is over, serve what we have
    // rather than make this reader wait for a KMS that is probably still down.
    if (entry.failures > 0 && now < entry.nextAttemptAt) return Promise.resolve(cached);
    return this.join(entry).catch(() => entry.value ?? cached);
  }

  /**
   * A value fetched by a call that started after this one was made (so it
   * sees every write KMS acknowledged before). Concurrent callers share it.
   * Fails when KMS does: a caller asking for fresh data must know.
   */
  refresh(request: SecretRequest): Promise<SecretVersion> {
    const entry = this.entryFor(request);
    entry.readSinceAttempt = true;
    const running = entry.inFlight;
    if (running === undefined || entry.inFlightUnsent) return this.join(entry);
    entry.queuedRefresh ??= running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        entry.queuedRefresh = undefined;
        return this.join(entry);
      });
    return entry.queuedRefresh;
  }

  /** Stops every background refresh; reads keep working (fetching on expiry). */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  private entryFor(request: SecretRequest): Entry {
    const key = `${request.secretName}\u0000${request.stage ?? ""}\u0000${request.versionId ?? ""}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        request,
        label: describeRequest(request),
        ttlMs: this.options.ttlBySecret.get(request.secretName) ?? this.options.ttlMs,
        value: undefined,
        expiresAt: 0,
        inFlight: undefined,
        inFlightUnsent: false,
        queuedRefresh: undefined,
        readSinceAttempt: false,
        timer: undefined,
        failures: 0,
        failingSince: undefined,
        nextAttemptAt: 0,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private join(entry: Entry): Promise<SecretVersion> {
    if (entry.inFlight === undefined) {
      entry.inFlight = this.fetchInto(entry);
      entry.inFlightUnsent = true;
      queueMicrotask(() => {
        entry.inFlightUnsent = false;
      });
    }
    return entry.inFlight;
  }

  private async fetchInto(entry: Entry): Promise<SecretVersion> {
    entry.readSinceAttempt = false;
    try {
      const version = await this.fetchVersion(entry.request);
      this.recordSuccess(entry, version);
      return version;
    } catch (error) {
      this.recordFailure(entry, error);
      throw error;
    } finally {
      entry.inFlight = undefined;
    }
  }

  private recordSuccess(entry: Entry, version: SecretVersion): void {
    const now = Date.now();
    if (entry.failures > 0 && entry.value !== undefined) {
      this.options.logger.info?.(
        `@rotor/client: ${entry.label} refreshed again after ${entry.failures} failed attempt(s) since ${iso(entry.failingSince ?? now)}`,
      );
    }
    entry.value = version;
    entry.expiresAt = now + entry.ttlMs;
    entry.failures = 0;
    entry.failingSince = undefined;
    // Never closer to the fetch than half the TTL, or a large refreshAheadMs
    // would refresh in a loop.
    const ahead = Math.min(this.options.refreshAheadMs ?? entry.ttlMs / 10, entry.ttlMs / 2);
    this.schedule(entry, entry.expiresAt - ahead);
  }

  private recordFailure(entry: Entry, error: unknown): void {
    const now = Date.now();
    entry.failures += 1;
    entry.failingSince ??= now;
    entry.nextAttemptAt =
      now + Math.min(STALE_RETRY_MAX_MS, STALE_RETRY_BASE_MS * 2 ** (entry.failures - 1));
    if (entry.value === undefined) return;
    if (entry.failures === 1) {
      this.options.logger.warn(
        `@rotor/client: cannot refresh ${entry.label} (${describeError(error)}); serving the value fetched at ${iso(entry.value.fetchedAt)} until KMS answers again`,
      );
    }
    this.schedule(entry, entry.nextAttemptAt);
  }

  private schedule(entry: Entry, at: number): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (this.closed) return;
    entry.timer = setTimeout(() => this.onTimer(entry), Math.max(0, at - Date.now()));
    entry.timer.unref?.();
  }

  private onTimer(entry: Entry): void {
    entry.timer = undefined;
    // A secret nobody read since the last attempt is left to expire: the
    // next read fetches it. This keeps KMS calls in proportion to use.
    if (!entry.readSinceAttempt) return;
    // A failure is recorded (and announced) by fetchInto; nobody awaits this one.
    this.join(entry).catch(() => undefined);
  }
}

function describeRequest(request: SecretRequest): string {
  const which =
    request.versionId !== undefined
      ? `version ${request.versionId}`
      : `stage ${request.stage ?? "ACSCurrent"}`;
  return `secret ${JSON.stringify(request.secretName)} (${which})`;
}

/** Our errors' messages never hold values; a foreign error is named by type and code only. */
function describeError(error: unknown): string {
  if (error instanceof RotorError) return error.message;
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.name} ${code}` : error.name;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

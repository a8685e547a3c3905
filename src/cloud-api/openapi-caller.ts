/**
 * One RPC-style Alibaba Cloud OpenAPI call, done the way Rotor needs it:
 * signed by the official `@alicloud/openapi-client` (never by hand), with a
 * timeout on every call, retries with exponential backoff and full jitter on
 * the codes Alibaba's own clients retry, and errors turned into ApiError or
 * NetworkError with the SDK error as `cause`.
 *
 * Product clients (KMS, RAM, …) are thin typed layers over `call`.
 */
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "./commonjs-default.ts";
import { type AccessKeyCredentials, credentialClient } from "./credentials.ts";
import { PRODUCT_API_VERSIONS, type Product, resolveEndpoint } from "./endpoints.ts";
import type { Env } from "./env.ts";
import { ApiError, NetworkError } from "./errors.ts";

/** Codes worth another attempt: the server said "not now", not "no". */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "Rejected.Throttling",
  "Throttling",
  "Throttling.User",
  "Throttling.Api",
  // EventBridge's throttling answer (429).
  "TooManyRequests",
  "ServiceUnavailableTemporary",
  "ServiceUnavailable",
  "InternalFailure",
  "InternalError",
]);

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** What an observer learns about each attempt (no parameter values: they may hold secrets). */
export interface CallRecord {
  product: Product;
  action: string;
  attempt: number;
}

/**
 * Watches every call. `before` may throw to inject a fault (tests crash a
 * rotation between two calls this way); `after` sees the outcome.
 */
export interface CallObserver {
  before?(call: CallRecord): void | Promise<void>;
  after?(call: CallRecord, outcome: { requestId?: string | undefined; error?: unknown }): void;
}

export interface CallerOptions {
  product: Product;
  region?: string | undefined;
  credentials?: AccessKeyCredentials | undefined;
  /** Overrides ROTOR_ENDPOINT and the public endpoint, e.g. `http://127.0.0.1:8765`. */
  endpoint?: string | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** Per-call read timeout. */
  timeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  observer?: CallObserver | undefined;
  env?: Env | undefined;
}

export type QueryValue = string | number | boolean | undefined;

const OpenApiClientClass = commonJsDefault(openapiModule);
type OpenApiClient = InstanceType<typeof OpenApiClientClass>;

export class OpenApiCaller {
  readonly product: Product;
  readonly region: string;
  private readonly client: OpenApiClient;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly observer: CallObserver | undefined;

  constructor(options: CallerOptions) {
    const env = options.env ?? process.env;
    this.product = options.product;
    this.region = options.region ?? env.ALIBABA_CLOUD_REGION_ID ?? env.FC_REGION ?? "cn-hangzhou";
    const endpoint = options.endpoint
      ? resolveEndpoint(options.product, this.region, { ROTOR_ENDPOINT: options.endpoint })
      : resolveEndpoint(options.product, this.region, env);
    this.client = new OpenApiClientClass(
      new openapiModule.Config({
        credential: credentialClient(options.credentials, env),
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        regionId: this.region,
      }),
    );
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.observer = options.observer;
  }

  /**
   * Calls `action` with `query` and, for actions whose official SDK sends
   * their parameters in a form body (EventBridge's PutEvents), `body`
   * (undefined values are left out of both) and returns the JSON body.
   * Throws ApiError or NetworkError after the last attempt.
   */
  async call<T = Record<string, unknown>>(
    action: string,
    query: Record<string, QueryValue>,
    body?: Record<string, QueryValue>,
  ): Promise<T> {
    const params = new openapiModule.Params({
      action,
      version: PRODUCT_API_VERSIONS[this.product],
      protocol: "HTTPS",
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const request = new openapiModule.OpenApiRequest({
      query: toQuery(query),
      body: body === undefined ? undefined : toQuery(body),
    });
    const runtime = new teaUtilModule.RuntimeOptions({
      autoretry: false,
      readTimeout: this.timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // No keepAlive here: the SDK already reuses connections through its
      // shared agent, and a later SDK honouring the flag would build a new
      // agent per call and leak idle sockets.
    });
    for (let attempt = 1; ; attempt++) {
      const record: CallRecord = { product: this.product, action, attempt };
      await this.observer?.before?.(record);
      try {
        const response = (await this.client.callApi(params, request, runtime)) as {
          body: T & { RequestId?: string };
        };
        this.observer?.after?.(record, { requestId: response.body.RequestId });
        return response.body;
      } catch (sdkError) {
        const error = toRotorError(action, sdkError);
        this.observer?.after?.(record, {
          requestId: error instanceof ApiError ? error.requestId : undefined,
          error,
        });
        if (!isRetryable(error) || attempt >= this.retry.attempts) throw error;
        await sleep(backoffDelay(attempt, this.retry));
      }
    }
  }
}

function toQuery(query: Record<string, QueryValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && RETRYABLE_CODES.has(error.code);
}

/** Full jitter: a random delay up to min(max, base·2^(attempt-1)). */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

interface TeaErrorShape {
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  data?: { statusCode?: unknown; RequestId?: unknown; Message?: unknown; Code?: unknown };
}

/** Turns whatever the SDK threw into ApiError (the server answered) or NetworkError. */
function toRotorError(action: string, sdkError: unknown): Error {
  const shape = (
    typeof sdkError === "object" && sdkError !== null ? sdkError : {}
  ) as TeaErrorShape;
  const statusCode = Number(shape.data?.statusCode ?? shape.statusCode);
  if (Number.isInteger(statusCode) && statusCode >= 400) {
    const code = String(shape.data?.Code ?? shape.code ?? "Unknown");
    const message = String(shape.data?.Message ?? "no message");
    const requestId =
      shape.data?.RequestId === undefined ? undefined : String(shape.data.RequestId);
    return new ApiError({ action, code, statusCode, message, requestId, cause: sdkError });
  }
  const detail = String(shape.code ?? (sdkError instanceof Error ? sdkError.message : sdkError));
  return new NetworkError(action, detail, sdkError);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One RPC-style Alibaba Cloud OpenAPI call, done the way Rotor needs it:
 * signed by the official `@alicloud/openapi-client` (never by hand), with a
 * timeout on every call, retries with exponential backoff and jitter
 * (retry-policy.ts) where the action's retry rule allows them
 * (retry-rules.ts: throttled calls always, calls whose outcome is unknown
 * only when idempotent), and errors turned into ApiError or NetworkError
 * with the SDK error as `cause`.
 *
 * Product clients (KMS, RAM, …) are thin typed layers over `call`.
 */
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "./commonjs-default.ts";
import { type AccessKeyCredentials, credentialClient } from "./credentials.ts";
import { PRODUCT_API_VERSIONS, type Product, resolveEndpoint } from "./endpoints.ts";
import type { Env } from "./env.ts";
import { ApiError } from "./errors.ts";
import { type RetryPolicy, resolveRetryPolicy } from "./retry-policy.ts";
import { type RetryRule, retryRuleFor } from "./retry-rules.ts";
import { toRotorError } from "./sdk-error.ts";
import { withRetries } from "./with-retries.ts";

// Kept here for the callers that import them with the caller.
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from "./retry-policy.ts";
export { isTransient as isRetryable, type RetryRule } from "./retry-rules.ts";

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
  /** Over ROTOR_RETRY_* from `env`, over DEFAULT_RETRY. */
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
    this.retry = resolveRetryPolicy(env, options.retry);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.observer = options.observer;
  }

  /**
   * Calls `action` with `query` and, for actions whose official SDK sends
   * their parameters in a form body (EventBridge's PutEvents), `body`
   * (undefined values are left out of both) and returns the JSON body.
   * Throws ApiError or NetworkError after the last attempt. `retryRule`
   * overrides the action's own (retry-rules.ts).
   */
  async call<T = Record<string, unknown>>(
    action: string,
    query: Record<string, QueryValue>,
    options: { body?: Record<string, QueryValue>; retryRule?: RetryRule } = {},
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
      body: options.body === undefined ? undefined : toQuery(options.body),
    });
    const runtime = new teaUtilModule.RuntimeOptions({
      autoretry: false,
      readTimeout: this.timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // No keepAlive here: the SDK already reuses connections through its
      // shared agent, and a later SDK honouring the flag would build a new
      // agent per call and leak idle sockets.
    });
    return withRetries({
      rule: options.retryRule ?? retryRuleFor(this.product, action, query),
      policy: this.retry,
      attempt: async (attempt) => {
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
          throw error;
        }
      },
    });
  }
}

function toQuery(query: Record<string, QueryValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

/**
 * Invoking Function Compute 3.0 functions through the official
 * `@alicloud/fc20230330` client. The scheduler fans out one asynchronous
 * invocation per due secret; an async task id makes a repeated fan-out of
 * the same work a no-op (FC refuses a task id it has seen).
 *
 * Throttled invocations are retried with backoff and jitter, as every
 * Rotor client's calls are (retry-policy.ts). An invocation whose outcome
 * is unknown (the connection cut, a server error) is retried only when it
 * carries a task id: without one a repeat could run the function twice.
 *
 * Endpoint: ROTOR_ENDPOINT_FC, else ROTOR_ENDPOINT, else FC's public
 * endpoint `<account>.<region>.fc.aliyuncs.com`.
 */
import { Readable } from "node:stream";
import * as fcModule from "@alicloud/fc20230330";
import * as openapiCoreModule from "@alicloud/openapi-core";
// The runtime's core alone: its index would load WebSocket, date and XML helpers too.
import * as daraCore from "@darabonba/typescript/dist/core.js";
import {
  type AccessKeyCredentials,
  ApiError,
  ConfigError,
  commonJsDefault,
  credentialClient,
  type Env,
  parseEndpoint,
  type RetryPolicy,
  readEnv,
  resolveRetryPolicy,
  toRotorError,
  withRetries,
} from "@rotor/cloud-api";

const FcClientClass = commonJsDefault(fcModule);
type SdkClient = InstanceType<typeof FcClientClass>;

export interface FcClientOptions {
  region?: string | undefined;
  accountId?: string | undefined;
  credentials?: AccessKeyCredentials | undefined;
  endpoint?: string | undefined;
  env?: Env | undefined;
  timeoutMs?: number | undefined;
  /** Over ROTOR_RETRY_* from `env`, over DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy> | undefined;
}

export type AsyncInvokeOutcome =
  | { status: "accepted"; requestId: string }
  | { status: "duplicate" };

export class FcClient {
  private readonly client: SdkClient;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(options: FcClientOptions = {}) {
    const env = options.env ?? process.env;
    const region =
      options.region ??
      readEnv("ALIBABA_CLOUD_REGION_ID", env) ??
      readEnv("FC_REGION", env) ??
      "cn-hangzhou";
    const configured =
      options.endpoint ?? readEnv("ROTOR_ENDPOINT_FC", env) ?? readEnv("ROTOR_ENDPOINT", env);
    let endpoint: { host: string; protocol: "http" | "https" };
    if (configured !== undefined) {
      endpoint = parseEndpoint(configured, "the FC endpoint");
    } else {
      const accountId = options.accountId ?? readEnv("FC_ACCOUNT_ID", env);
      if (accountId === undefined) {
        throw new ConfigError(
          "FC's endpoint needs the account id: set FC_ACCOUNT_ID or ROTOR_ENDPOINT_FC",
        );
      }
      endpoint = { host: `${accountId}.${region}.fc.aliyuncs.com`, protocol: "https" };
    }
    this.client = new FcClientClass(
      new openapiCoreModule.$OpenApiUtil.Config({
        credential: credentialClient(options.credentials, env),
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        regionId: region,
      }),
    );
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = resolveRetryPolicy(env, options.retry);
  }

  /**
   * Queues an asynchronous invocation. With `taskId`, FC runs it at most once:
   * a repeat answers `duplicate` instead of an error. With `delaySeconds`
   * (whole seconds, 0 to 3,600), FC runs it that long after accepting it.
   */
  async invokeAsync(
    functionName: string,
    event: unknown,
    taskId?: string,
    delaySeconds?: number,
  ): Promise<AsyncInvokeOutcome> {
    if (
      delaySeconds !== undefined &&
      !(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= 3600)
    ) {
      throw new RangeError(
        `an asynchronous invocation's delay takes 0 to 3600 whole seconds, got ${delaySeconds}`,
      );
    }
    const headers = new fcModule.InvokeFunctionHeaders({
      // The SDK has no field for FC's delay header; it goes with the common headers.
      commonHeaders: delaySeconds ? { "x-fc-async-delay": String(delaySeconds) } : undefined,
      xFcInvocationType: "Async",
      xFcAsyncTaskId: taskId,
    });
    return withRetries({
      // FC runs a task id at most once: a repeat answers AsyncTaskAlreadyExists.
      rule: taskId === undefined ? "not-idempotent" : "idempotent",
      policy: this.retry,
      attempt: async (): Promise<AsyncInvokeOutcome> => {
        try {
          const response = await this.client.invokeFunctionWithOptions(
            functionName,
            new fcModule.InvokeFunctionRequest({
              body: Readable.from([Buffer.from(JSON.stringify(event))]),
            }),
            headers,
            this.runtime(),
          );
          return {
            status: "accepted",
            requestId: String(response.headers?.["x-fc-request-id"] ?? ""),
          };
        } catch (error) {
          const mapped = toRotorError("InvokeFunction", error);
          if (mapped instanceof ApiError && mapped.code === "AsyncTaskAlreadyExists")
            return { status: "duplicate" };
          throw mapped;
        }
      },
    });
  }

  /**
   * Runs a function and returns its output as text; a function error becomes
   * an ApiError. `timeoutMs` (default 10 s) bounds the whole run.
   */
  async invokeSync(functionName: string, event: unknown): Promise<string> {
    return withRetries({
      // A repeat would run the function again.
      rule: "not-idempotent",
      policy: this.retry,
      attempt: () => this.invokeSyncOnce(functionName, event),
    });
  }

  private async invokeSyncOnce(functionName: string, event: unknown): Promise<string> {
    try {
      const response = await this.client.invokeFunctionWithOptions(
        functionName,
        new fcModule.InvokeFunctionRequest({
          body: Readable.from([Buffer.from(JSON.stringify(event))]),
        }),
        new fcModule.InvokeFunctionHeaders({ xFcInvocationType: "Sync" }),
        // The SDK's HTTP layer also uses the connect timeout as the socket's idle
        // timeout, and FC sends nothing until the function returns: it must cover
        // the whole run, not just the connection.
        this.runtime(this.timeoutMs),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>)
        chunks.push(Buffer.from(chunk));
      const output = Buffer.concat(chunks).toString("utf8");
      const errorType = response.headers?.["x-fc-error-type"];
      if (errorType) {
        throw new ApiError({
          action: "InvokeFunction",
          code: String(errorType),
          statusCode: response.statusCode ?? 200,
          message: `function ${functionName} failed`,
          requestId: String(response.headers?.["x-fc-request-id"] ?? ""),
        });
      }
      return output;
    } catch (error) {
      throw error instanceof ApiError ? error : toRotorError("InvokeFunction", error);
    }
  }

  private runtime(connectTimeoutMs = 5_000) {
    return new daraCore.RuntimeOptions({
      autoretry: false,
      readTimeout: this.timeoutMs,
      connectTimeout: connectTimeoutMs,
    });
  }
}

/**
 * Function Compute 3.0 (API 2023-03-30) in the local cloud: InvokeFunction,
 * synchronous and asynchronous, running the deployed handlers in this
 * process with FC-shaped events (a Buffer), contexts and role credentials.
 *
 * Asynchronous invocations are queued and retried as the function's async
 * config says; after the last failed attempt the failure record goes to the
 * onFailure destination. An `x-fc-async-task-id` is accepted once: a second
 * invocation with the same id is refused, so a caller that derives the id
 * from what it asks for (a secret and a rotation window) gets one run. An
 * `x-fc-async-delay` (0 to 3,600 seconds) holds the invocation that long
 * before its first attempt; tests and benches may shorten every delay by a
 * factor (`scaleAsyncDelays`), which the records do not show.
 */
import { randomUUID } from "node:crypto";
import { CloudApiError } from "../api-error.ts";
import type { Identities } from "../identity.ts";
import { type ActionContext, type Product, RAW_REPLY, type RawReply } from "../product.ts";
import { withFunctionEnvironment } from "./function-environment.ts";
import type { FcContext, FcCredentials, FcHandler, LocalFunction } from "./local-function.ts";

export const FC_API_VERSION = "2023-03-30";

/** What the local FC did, for tests and `rotor` to inspect. */
export interface InvocationRecord {
  requestId: string;
  functionName: string;
  type: "Sync" | "Async";
  asyncTaskId?: string | undefined;
  /** The x-fc-async-delay it was accepted with, in seconds (0: none). */
  delaySeconds?: number | undefined;
  attempts: number;
  outcome: "pending" | "succeeded" | "failed";
  errorMessage?: string | undefined;
}

export interface LocalFunctionCompute {
  deploy(fn: LocalFunction): void;
  invocations(): readonly InvocationRecord[];
  /** Resolves when no asynchronous invocation is queued (delayed ones included) or running. */
  idle(): Promise<void>;
  /** Waits `factor` times each x-fc-async-delay from now on (default 1; 0.001 turns an hour into 3.6 s). */
  scaleAsyncDelays(factor: number): void;
}

interface FcDeps {
  region: string;
  accountId: string;
  identities: Identities;
  rootCredentials: FcCredentials;
}

const PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;

export function createFcProduct(deps: FcDeps): { product: Product; fc: LocalFunctionCompute } {
  const functions = new Map<string, LocalFunction>();
  const loaded = new Map<string, FcHandler>();
  const records: InvocationRecord[] = [];
  const asyncTaskIds = new Set<string>();
  let running = 0;
  let waiters: (() => void)[] = [];
  let delayFactor = 1;

  const handlerOf = async (fn: LocalFunction): Promise<FcHandler> => {
    if (typeof fn.handler === "function") return fn.handler;
    let handler = loaded.get(fn.name);
    if (!handler) {
      handler = await fn.handler.load();
      loaded.set(fn.name, handler);
    }
    return handler;
  };

  const credentialsFor = async (fn: LocalFunction): Promise<FcCredentials> => {
    if (!fn.role) return deps.rootCredentials;
    const role = await deps.identities.assumeRoleForService({
      roleName: fn.role,
      service: "fc.aliyuncs.com",
    });
    return {
      accessKeyId: role.accessKeyId,
      accessKeySecret: role.accessKeySecret,
      securityToken: role.securityToken,
    };
  };

  /** What FC sets in a function's environment besides its own variables. */
  const fcVariables = (fn: LocalFunction, credentials: FcCredentials): Record<string, string> => ({
    FC_REGION: deps.region,
    FC_ACCOUNT_ID: deps.accountId,
    FC_FUNCTION_NAME: fn.name,
    ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined
      ? {}
      : { ALIBABA_CLOUD_SECURITY_TOKEN: credentials.securityToken }),
  });

  /** One run of a handler with FC's timeout and the function's own environment; throws what the handler threw. */
  const run = async (fn: LocalFunction, event: Buffer, requestId: string): Promise<unknown> => {
    const credentials = await credentialsFor(fn);
    const environment = { ...fn.environment, ...fcVariables(fn, credentials) };
    return withFunctionEnvironment(environment, () =>
      runInEnvironment(fn, event, requestId, credentials),
    );
  };

  const runInEnvironment = async (
    fn: LocalFunction,
    event: Buffer,
    requestId: string,
    credentials: FcCredentials,
  ): Promise<unknown> => {
    const handler = await handlerOf(fn);
    const timeout = fn.timeoutSeconds ?? 60;
    const context: FcContext = {
      requestId,
      credentials,
      function: {
        name: fn.name,
        handler: fn.handlerName ?? "index.handler",
        memory: fn.memoryMB ?? 512,
        timeout,
      },
      region: deps.region,
      accountId: deps.accountId,
      logger: console,
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve(handler(event, context)),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Function timed out after ${timeout} seconds`)),
            timeout * 1000,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const settle = () => {
    if (running > 0) return;
    const done = waiters;
    waiters = [];
    for (const wake of done) wake();
  };

  const runAsync = async (
    fn: LocalFunction,
    event: Buffer,
    record: InvocationRecord,
  ): Promise<void> => {
    const maxRetries = Math.min(8, Math.max(0, fn.async?.maxRetries ?? 3));
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) =>
          setTimeout(resolve, fn.retryDelayMs?.(attempt) ?? 1000 * 2 ** (attempt - 1)),
        );
      }
      record.attempts = attempt + 1;
      try {
        const result = await run(fn, event, record.requestId);
        record.outcome = "succeeded";
        if (fn.async?.onSuccess) dispatchDestination(fn.async.onSuccess, fn, event, record, result);
        return;
      } catch (error) {
        // Only the error's type and message: the event (and so secrets) stays out.
        record.errorMessage = `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}`;
      }
    }
    record.outcome = "failed";
    if (fn.async?.onFailure) dispatchDestination(fn.async.onFailure, fn, event, record, undefined);
  };

  /** FC's destination record: what was invoked and how it ended (the original event included, as FC does). */
  const dispatchDestination = (
    target: string,
    fn: LocalFunction,
    event: Buffer,
    record: InvocationRecord,
    result: unknown,
  ) => {
    const destination = functions.get(target);
    if (!destination) return;
    const payload = Buffer.from(
      JSON.stringify({
        timestamp: Date.now(),
        requestContext: {
          requestId: record.requestId,
          functionArn: `acs:fc:${deps.region}:${deps.accountId}:functions/${fn.name}`,
          condition: record.outcome === "succeeded" ? "" : "UnhandledInvocationError",
          approximateInvokeCount: record.attempts,
        },
        requestPayload: event.toString("utf8"),
        responseContext: {
          statusCode: record.outcome === "succeeded" ? 200 : 500,
          functionError: record.errorMessage ?? "",
        },
        responsePayload: result === undefined ? "" : JSON.stringify(result),
      }),
    );
    enqueue(destination, payload, undefined);
  };

  const enqueue = (
    fn: LocalFunction,
    event: Buffer,
    asyncTaskId: string | undefined,
    delaySeconds = 0,
  ): InvocationRecord => {
    const record: InvocationRecord = {
      requestId: randomUUID(),
      functionName: fn.name,
      type: "Async",
      asyncTaskId,
      delaySeconds,
      attempts: 0,
      outcome: "pending",
    };
    records.push(record);
    running++;
    const start = () => {
      void runAsync(fn, event, record).finally(() => {
        running--;
        settle();
      });
    };
    if (delaySeconds > 0) setTimeout(start, delaySeconds * 1000 * delayFactor);
    else setImmediate(start);
    return record;
  };

  const InvokeFunction = async (ctx: ActionContext): Promise<RawReply> => {
    const match = PATH.exec(ctx.http.path);
    const name = match ? decodeURIComponent(match[1] as string) : "";
    ctx.authorize("fc:InvokeFunction", `acs:fc:${deps.region}:${deps.accountId}:functions/${name}`);
    const fn = functions.get(name);
    if (!fn) throw new CloudApiError(404, "FunctionNotFound", `function '${name}' does not exist`);
    const type = ctx.http.headers["x-fc-invocation-type"] ?? "Sync";
    if (type === "Async") {
      const delaySeconds = asyncDelay(ctx.http.headers["x-fc-async-delay"]);
      const taskId = ctx.http.headers["x-fc-async-task-id"];
      if (taskId !== undefined) {
        if (!/^[A-Za-z0-9_-]{1,128}$/.test(taskId)) {
          throw new CloudApiError(
            400,
            "InvalidArgument",
            "x-fc-async-task-id takes 1 to 128 letters, digits, _ and -",
          );
        }
        if (asyncTaskIds.has(`${name}/${taskId}`)) {
          throw new CloudApiError(
            409,
            "AsyncTaskAlreadyExists",
            `async task '${taskId}' of function '${name}' already exists`,
          );
        }
        asyncTaskIds.add(`${name}/${taskId}`);
      }
      const record = enqueue(fn, ctx.http.body, taskId, delaySeconds);
      return {
        [RAW_REPLY]: {
          status: 202,
          headers: { "x-fc-request-id": record.requestId },
          body: Buffer.alloc(0),
        },
      };
    }
    if (type !== "Sync") {
      throw new CloudApiError(
        400,
        "InvalidArgument",
        `x-fc-invocation-type must be Sync or Async, got ${JSON.stringify(type)}`,
      );
    }
    const record: InvocationRecord = {
      requestId: ctx.requestId,
      functionName: name,
      type: "Sync",
      attempts: 1,
      outcome: "pending",
    };
    records.push(record);
    try {
      const result = await run(fn, ctx.http.body, ctx.requestId);
      record.outcome = "succeeded";
      const body = Buffer.isBuffer(result)
        ? result
        : Buffer.from(typeof result === "string" ? result : JSON.stringify(result ?? null));
      return { [RAW_REPLY]: { status: 200, headers: {}, body } };
    } catch (error) {
      record.outcome = "failed";
      record.errorMessage = `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}`;
      const body = Buffer.from(
        JSON.stringify({
          errorMessage: (error as Error)?.message ?? String(error),
          errorType: (error as Error)?.name ?? "Error",
        }),
      );
      return {
        [RAW_REPLY]: {
          status: 200,
          headers: { "x-fc-error-type": "UnhandledInvocationError" },
          body,
        },
      };
    }
  };

  return {
    product: { code: "fc", apiVersion: FC_API_VERSION, actions: { InvokeFunction } },
    fc: {
      deploy(fn) {
        functions.set(fn.name, fn);
        loaded.delete(fn.name);
      },
      invocations: () => records,
      idle: () =>
        running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
      scaleAsyncDelays(factor) {
        if (!(factor >= 0) || !Number.isFinite(factor)) {
          throw new RangeError(`a delay factor must be 0 or more, got ${factor}`);
        }
        delayFactor = factor;
      },
    },
  };
}

/** x-fc-async-delay in seconds (FC takes 0 to 3,600); absent: 0. */
function asyncDelay(header: string | undefined): number {
  if (header === undefined) return 0;
  const seconds = Number(header);
  if (!/^\d{1,4}$/.test(header) || seconds > 3600) {
    throw new CloudApiError(
      400,
      "InvalidArgument",
      `x-fc-async-delay takes 0 to 3600 seconds, got ${JSON.stringify(header)}`,
    );
  }
  return seconds;
}

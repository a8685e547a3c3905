/**
 * A function deployed to the local cloud's Function Compute: the handler
 * that FC 3.0's Node.js runtime would call, with the settings FC keeps for
 * it (timeout, memory, role, environment, asynchronous invocation config).
 */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/** The `context` FC hands a Node.js handler. */
export interface FcContext {
  requestId: string;
  credentials: FcCredentials;
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
  logger: {
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  };
}

export type FcHandler = (event: Buffer, context: FcContext) => Promise<unknown> | unknown;

export interface AsyncInvokeConfig {
  /** FC retries a failed asynchronous invocation 0..8 times (default 3). */
  maxRetries?: number | undefined;
  /** Function invoked (asynchronously) with the failure record after the last attempt. */
  onFailure?: string | undefined;
  /** Function invoked with the success record. */
  onSuccess?: string | undefined;
}

export interface LocalFunction {
  name: string;
  /** The handler, or a loader for it (a functions/ entry point imported on first use). */
  handler: FcHandler | { load: () => Promise<FcHandler> };
  /** `index.handler` style, shown in the context. */
  handlerName?: string | undefined;
  timeoutSeconds?: number | undefined;
  memoryMB?: number | undefined;
  /** RAM role the function runs as; its STS credentials reach the handler in `context.credentials`. */
  role?: string | undefined;
  /**
   * Environment variables (s.yaml's `environmentVariables`). The function
   * sees these, FC's own (`FC_REGION`, `FC_ACCOUNT_ID`, `FC_FUNCTION_NAME`)
   * and its credentials (`ALIBABA_CLOUD_*`), and none of another function's
   * (see function-environment.ts).
   */
  environment?: Readonly<Record<string, string>> | undefined;
  async?: AsyncInvokeConfig | undefined;
  /** Delay before async retry n (ms); FC backs off too. Tests shorten it. */
  retryDelayMs?: ((attempt: number) => number) | undefined;
}

/** Loads `functions/<name>/index.ts` and returns its `handler` export. */
export function functionModule(modulePath: string): { load: () => Promise<FcHandler> } {
  return {
    async load() {
      const module = (await import(modulePath)) as { handler?: unknown };
      if (typeof module.handler !== "function") {
        throw new Error(`${modulePath} does not export a handler function`);
      }
      return module.handler as FcHandler;
    },
  };
}

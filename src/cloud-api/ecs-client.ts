/**
 * Typed calls to ECS Cloud Assistant (API 2014-05-26): run a shell script on
 * an instance (RunCommand), put a file on it (SendFile), and read how each
 * went (DescribeInvocationResults, DescribeSendFileResults). Both start work
 * and return at once: the caller polls the Describe action for the outcome.
 *
 * Script and file content travel base64-encoded (`ContentEncoding` /
 * `ContentType` = `Base64`), so any byte survives the query string.
 */
import type { CallerOptions } from "./openapi-caller.ts";
import { OpenApiCaller } from "./openapi-caller.ts";
import { str, type WireObject } from "./response-fields.ts";

export type EcsClientOptions = Omit<CallerOptions, "product">;

/** Cloud Assistant's per-instance statuses; the last six are final. */
export type InvocationStatus =
  | "Pending"
  | "Running"
  | "Stopping"
  | "Success"
  | "Failed"
  | "Error"
  | "Timeout"
  | "Cancelled"
  | "Terminated"
  | "Invalid"
  | "Aborted";

export const FINAL_INVOCATION_STATUSES: ReadonlySet<string> = new Set([
  "Success",
  "Failed",
  "Error",
  "Timeout",
  "Cancelled",
  "Terminated",
  "Invalid",
  "Aborted",
]);

export interface CommandInvocationResult {
  invokeId: string;
  instanceId: string;
  status: InvocationStatus | string;
  /** The script's exit code, once it finished. */
  exitCode: number | undefined;
  /** What the script printed (stdout then stderr), decoded. */
  output: string;
  /** e.g. `ExitCodeNonzero`, `ExecutionTimeout`; empty when all went well. */
  errorCode: string;
  errorInfo: string;
  requestId: string;
}

export interface SendFileResult {
  invokeId: string;
  instanceId: string;
  status: InvocationStatus | string;
  errorCode: string;
  errorInfo: string;
  requestId: string;
}

export class EcsClient {
  readonly caller: OpenApiCaller;

  constructor(options: EcsClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "ecs" });
  }

  /** Starts `script` as a shell script (RunShellScript) on one instance, as root. */
  async runCommand(input: {
    instanceId: string;
    script: string;
    /** Seconds the script may run before Cloud Assistant stops it (default 60). */
    timeoutSeconds?: number;
  }): Promise<{ invokeId: string; commandId: string; requestId: string }> {
    const body = await this.caller.call<WireObject>("RunCommand", {
      RegionId: this.caller.region,
      "InstanceId.1": input.instanceId,
      Type: "RunShellScript",
      CommandContent: Buffer.from(input.script, "utf8").toString("base64"),
      ContentEncoding: "Base64",
      Timeout: input.timeoutSeconds,
    });
    return {
      invokeId: str(body.InvokeId),
      commandId: str(body.CommandId),
      requestId: str(body.RequestId),
    };
  }

  async describeInvocationResult(input: {
    instanceId: string;
    invokeId: string;
  }): Promise<CommandInvocationResult> {
    const body = await this.caller.call<WireObject>("DescribeInvocationResults", {
      RegionId: this.caller.region,
      InstanceId: input.instanceId,
      InvokeId: input.invokeId,
      ContentEncoding: "Base64",
    });
    const results = (
      (body.Invocation as WireObject | undefined)?.InvocationResults as WireObject | undefined
    )?.InvocationResult as WireObject[] | undefined;
    const result = results?.find((r) => r.InstanceId === input.instanceId) ?? {};
    const exitCode = result.ExitCode;
    return {
      invokeId: input.invokeId,
      instanceId: input.instanceId,
      // An invocation not listed yet is still being delivered.
      status: str(result.InvocationStatus) || "Pending",
      exitCode: exitCode === undefined || exitCode === null ? undefined : Number(exitCode),
      output: Buffer.from(str(result.Output), "base64").toString("utf8"),
      errorCode: str(result.ErrorCode),
      errorInfo: str(result.ErrorInfo),
      requestId: str(body.RequestId),
    };
  }

  /** Starts writing `content` to `targetDir/name` on one instance. */
  async sendFile(input: {
    instanceId: string;
    name: string;
    targetDir: string;
    content: string;
    /** Octal, e.g. `0600`. */
    fileMode: string;
    fileOwner?: string;
    overwrite?: boolean;
    timeoutSeconds?: number;
  }): Promise<{ invokeId: string; requestId: string }> {
    const body = await this.caller.call<WireObject>("SendFile", {
      RegionId: this.caller.region,
      "InstanceId.1": input.instanceId,
      Name: input.name,
      TargetDir: input.targetDir,
      Content: Buffer.from(input.content, "utf8").toString("base64"),
      ContentType: "Base64",
      FileMode: input.fileMode,
      FileOwner: input.fileOwner,
      Overwrite: input.overwrite,
      Timeout: input.timeoutSeconds,
    });
    return { invokeId: str(body.InvokeId), requestId: str(body.RequestId) };
  }

  async describeSendFileResult(input: {
    instanceId: string;
    invokeId: string;
  }): Promise<SendFileResult> {
    const body = await this.caller.call<WireObject>("DescribeSendFileResults", {
      RegionId: this.caller.region,
      InstanceId: input.instanceId,
      InvokeId: input.invokeId,
    });
    const invocations = (body.Invocations as WireObject | undefined)?.Invocation as
      | WireObject[]
      | undefined;
    const invocation = invocations?.find((i) => i.InvokeId === input.invokeId);
    const instances = (invocation?.InvokeInstances as WireObject | undefined)?.InvokeInstance as
      | WireObject[]
      | undefined;
    const instance = instances?.find((i) => i.InstanceId === input.instanceId) ?? {};
    return {
      invokeId: input.invokeId,
      instanceId: input.instanceId,
      status: str(instance.InvocationStatus) || "Pending",
      errorCode: str(instance.ErrorCode),
      errorInfo: str(instance.ErrorInfo),
      requestId: str(body.RequestId),
    };
  }
}

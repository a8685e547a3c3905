/**
 * ECS Cloud Assistant (API 2014-05-26) in the local cloud: RunCommand,
 * DescribeInvocationResults, SendFile and DescribeSendFileResults. Each
 * "instance" is a real server the local cloud reaches over SSH
 * (`ecsInstances` in LocalCloudOptions), so a command really runs and a
 * file really lands with its mode and owner.
 *
 * As on the real service, RunCommand and SendFile answer at once with an
 * InvokeId and the work goes on in the background; the Describe actions
 * report Running until it is done, then Success, Failed (non-zero exit,
 * `ExitCodeNonzero`), Timeout (`ExecutionTimeout`) or Error. Scripts run as
 * root with no stdin; their output (stdout and stderr together) comes back
 * base64-encoded unless `ContentEncoding=PlainText`. Invocation records live
 * in memory only: a restarted local cloud has forgotten them.
 */
import { randomBytes } from "node:crypto";
import { CloudApiError, cloudErrors } from "../api-error.ts";
import {
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalString,
  type RawParams,
  requiredString,
} from "../params.ts";
import type { ActionContext, Product } from "../product.ts";
import { isoSeconds } from "../time-format.ts";
import { runScriptOn, type ScriptOutcome, sendFileTo } from "./ecs-remote-shell.ts";
import type { LocalEcsInstance, LocalEcsInstances } from "./local-ecs-instance.ts";

export const ECS_API_VERSION = "2014-05-26";

interface EcsDeps {
  region: string;
  accountId: string;
  /** Read on every call, so instances added after start are served too. */
  instances: () => LocalEcsInstances | undefined;
  now: () => number;
}

interface Invocation {
  kind: "command" | "file";
  invokeId: string;
  commandId: string;
  instanceId: string;
  startTime: number;
  finishedTime?: number | undefined;
  outcome?: ScriptOutcome | undefined;
}

/** The real API's limits that matter here. */
const MAX_COMMAND_BYTES = 18 * 1024;
const MAX_FILE_BYTES = 32 * 1024;
const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Absolute folder and plain file name: single-quoted verbatim in the remote script. */
const TARGET_DIR = /^\/[A-Za-z0-9_./-]{0,255}$/;
const FILE_NAME = /^[A-Za-z0-9_.-]{1,255}$/;
const FILE_OWNER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString("hex")}`;
}

export function createEcsProduct(deps: EcsDeps): Product {
  const invocations = new Map<string, Invocation>();
  const instanceArn = (id: string) => `acs:ecs:${deps.region}:${deps.accountId}:instance/${id}`;

  /** The one instance of an action (`InstanceId.1`), authorized and known. */
  const targetOf = (
    ctx: ActionContext,
    ramAction: string,
  ): { instanceId: string; instance: LocalEcsInstance } => {
    const instanceId = requiredString(ctx.params, "InstanceId.1", {
      pattern: INSTANCE_ID,
      patternText: "is not an instance id",
    });
    if (ctx.params["InstanceId.2"] !== undefined) {
      throw cloudErrors.invalidParameter(
        "InstanceId.2",
        "the local cloud runs an invocation on one instance at a time",
      );
    }
    checkRegion(ctx.params, deps.region);
    ctx.authorize(ramAction, instanceArn(instanceId));
    const instances = deps.instances() ?? {};
    const instance = Object.hasOwn(instances, instanceId) ? instances[instanceId] : undefined;
    if (!instance) {
      throw new CloudApiError(
        404,
        "InvalidInstance.NotFound",
        `The specified instance does not exist: ${instanceId}.`,
      );
    }
    return { instanceId, instance };
  };

  const start = (
    kind: Invocation["kind"],
    instanceId: string,
    work: () => Promise<ScriptOutcome>,
  ): Invocation => {
    const invocation: Invocation = {
      kind,
      invokeId: newId("t"),
      commandId: newId("c"),
      instanceId,
      startTime: deps.now(),
    };
    invocations.set(invocation.invokeId, invocation);
    void work()
      .catch(
        (error: unknown): ScriptOutcome => ({
          status: "Error",
          exitCode: undefined,
          output: "",
          errorCode: "ExecutionException",
          // The type only: a message could quote the script.
          errorInfo: `the command execution got an exception (${(error as Error)?.name ?? "error"})`,
        }),
      )
      .then((outcome) => {
        invocation.outcome = outcome;
        invocation.finishedTime = deps.now();
      });
    return invocation;
  };

  /** The invocation a Describe action asks about, authorized on its instance. */
  const invocationOf = (ctx: ActionContext, ramAction: string, kind: Invocation["kind"]) => {
    checkRegion(ctx.params, deps.region);
    const invokeId = requiredString(ctx.params, "InvokeId", { maxLength: 64 });
    const instanceId = optionalString(ctx.params, "InstanceId", { pattern: INSTANCE_ID });
    const invocation = invocations.get(invokeId);
    ctx.authorize(ramAction, instanceArn(instanceId ?? invocation?.instanceId ?? "*"));
    if (!invocation || invocation.kind !== kind) return undefined;
    if (instanceId !== undefined && instanceId !== invocation.instanceId) return undefined;
    return invocation;
  };

  return {
    code: "ecs",
    apiVersion: ECS_API_VERSION,
    actions: {
      async RunCommand(ctx) {
        const type = requiredString(ctx.params, "Type");
        if (type !== "RunShellScript") {
          throw cloudErrors.invalidParameter(
            "Type",
            "the local cloud runs RunShellScript commands only",
          );
        }
        const encoding = optionalEnum(ctx.params, "ContentEncoding", ["PlainText", "Base64"]);
        const raw = requiredString(ctx.params, "CommandContent");
        const script = encoding === "Base64" ? decodeBase64(raw, "CommandContent") : raw;
        if (Buffer.byteLength(script) > MAX_COMMAND_BYTES) {
          throw cloudErrors.invalidParameter(
            "CommandContent",
            `longer than ${MAX_COMMAND_BYTES} bytes`,
          );
        }
        const timeout = optionalInteger(ctx.params, "Timeout", { min: 10, max: 86_400 }) ?? 60;
        const userName = optionalString(ctx.params, "Username");
        if (userName !== undefined && userName !== "root") {
          throw cloudErrors.invalidParameter(
            "Username",
            "the local cloud runs commands as root only",
          );
        }
        if (optionalBoolean(ctx.params, "EnableParameter") === true) {
          throw cloudErrors.invalidParameter(
            "EnableParameter",
            "custom parameters are not supported by the local cloud",
          );
        }
        const { instanceId, instance } = targetOf(ctx, "ecs:RunCommand");
        const invocation = start("command", instanceId, () =>
          runScriptOn(instance, script, timeout),
        );
        return { InvokeId: invocation.invokeId, CommandId: invocation.commandId };
      },

      async DescribeInvocationResults(ctx) {
        const encoding =
          optionalEnum(ctx.params, "ContentEncoding", ["PlainText", "Base64"]) ?? "Base64";
        const invocation = invocationOf(ctx, "ecs:DescribeInvocationResults", "command");
        const results = invocation ? [commandResult(invocation, encoding)] : [];
        return {
          Invocation: {
            PageNumber: 1,
            PageSize: 10,
            TotalCount: results.length,
            InvocationResults: { InvocationResult: results },
          },
        };
      },

      async SendFile(ctx) {
        const name = requiredString(ctx.params, "Name", {
          pattern: FILE_NAME,
          patternText: "must be a file name of letters, digits, '_', '.' or '-'",
        });
        const targetDir = requiredString(ctx.params, "TargetDir", {
          pattern: TARGET_DIR,
          patternText: "must be an absolute folder path of letters, digits, '_', '.', '-' and '/'",
        });
        const contentType = optionalEnum(ctx.params, "ContentType", ["PlainText", "Base64"]);
        const raw = requiredString(ctx.params, "Content");
        const content =
          contentType === "Base64"
            ? Buffer.from(decodeBase64(raw, "Content"), "utf8")
            : Buffer.from(raw, "utf8");
        if (content.length > MAX_FILE_BYTES) {
          throw cloudErrors.invalidParameter("Content", `longer than ${MAX_FILE_BYTES} bytes`);
        }
        const fileMode = optionalString(ctx.params, "FileMode", {
          pattern: /^0?[0-7]{3}$/,
          patternText: 'must be octal permissions such as "0600"',
        });
        const fileOwner =
          optionalString(ctx.params, "FileOwner", {
            pattern: FILE_OWNER,
            patternText: "must be a Linux user name",
          }) ?? "root";
        const overwrite = optionalBoolean(ctx.params, "Overwrite") ?? false;
        const { instanceId, instance } = targetOf(ctx, "ecs:SendFile");
        const invocation = start("file", instanceId, () =>
          sendFileTo(instance, {
            targetDir,
            name,
            content,
            fileMode: fileMode ?? "0644",
            fileOwner,
            overwrite,
          }),
        );
        return { InvokeId: invocation.invokeId };
      },

      async DescribeSendFileResults(ctx) {
        const invocation = invocationOf(ctx, "ecs:DescribeSendFileResults", "file");
        const invocationList = invocation
          ? [
              {
                InvokeId: invocation.invokeId,
                InvocationStatus: statusOf(invocation),
                CreationTime: isoSeconds(invocation.startTime),
                InvokeInstances: {
                  InvokeInstance: [
                    {
                      InstanceId: invocation.instanceId,
                      InvocationStatus: statusOf(invocation),
                      ErrorCode: invocation.outcome?.errorCode ?? "",
                      ErrorInfo: invocation.outcome?.errorInfo ?? "",
                      StartTime: isoSeconds(invocation.startTime),
                      FinishTime:
                        invocation.finishedTime === undefined
                          ? undefined
                          : isoSeconds(invocation.finishedTime),
                    },
                  ],
                },
              },
            ]
          : [];
        return {
          TotalCount: invocationList.length,
          PageNumber: 1,
          PageSize: 10,
          Invocations: { Invocation: invocationList },
        };
      },
    },
  };
}

function statusOf(invocation: Invocation): string {
  return invocation.outcome?.status ?? "Running";
}

function commandResult(invocation: Invocation, encoding: "PlainText" | "Base64") {
  const output = invocation.outcome?.output ?? "";
  return {
    InvokeId: invocation.invokeId,
    CommandId: invocation.commandId,
    InstanceId: invocation.instanceId,
    InvocationStatus: statusOf(invocation),
    InvokeRecordStatus: invocation.outcome ? "Finished" : "Running",
    ExitCode: invocation.outcome?.exitCode,
    Output: encoding === "Base64" ? Buffer.from(output, "utf8").toString("base64") : output,
    ErrorCode: invocation.outcome?.errorCode ?? "",
    ErrorInfo: invocation.outcome?.errorInfo ?? "",
    Username: "root",
    StartTime: isoSeconds(invocation.startTime),
    FinishedTime:
      invocation.finishedTime === undefined ? undefined : isoSeconds(invocation.finishedTime),
  };
}

function checkRegion(params: RawParams, region: string): void {
  const regionId = requiredString(params, "RegionId");
  if (regionId !== region) {
    throw cloudErrors.invalidParameter("RegionId", `this local cloud serves ${region} only`);
  }
}

function decodeBase64(value: string, name: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw cloudErrors.invalidParameter(name, "is not valid base64");
  }
  return Buffer.from(value, "base64").toString("utf8");
}

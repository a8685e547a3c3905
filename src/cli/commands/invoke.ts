import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Env, RotorError, readEnv } from "@rotor/core/cloud-api";
import type { FcContext } from "@rotor/core/functions";
import { envCredentials } from "@rotor/core/functions";
import { BUILT_IN_FUNCTION_NAMES, loadBuiltInHandler } from "../built-in-functions.ts";
import { type CliIo, type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags, UsageError } from "../parse-flags.ts";

/** An FC 3.0 handler, as a built-in function or a user's entry file exports it. */
type FunctionHandler = (event: Buffer, context: FcContext) => Promise<unknown> | unknown;

/** Variables a function reads at run time that `invoke` hands over from the CLI's environment. */
const FORWARDED_ENV = /^(ROTOR_ENDPOINT(_[A-Z]+)?|ALIBABA_CLOUD_REGION_ID)$/;

export const invokeCommand: Command = {
  name: "invoke",
  summary: "Run a built-in function locally with an FC-shaped event and context",
  help: `Usage: rotor invoke <function> --event <json|@file> [--timeout SECONDS]

Runs a built-in function's handler (rotate-generic, rotate-mysql,
rotate-postgres, rotate-ram-access-key, rotate-ecs-password,
rotate-ecs-ssh-key, on-failure, scheduler), or the handler export of the
entry file at an absolute path, in this process the way
Function Compute 3.0 would: the event as a Buffer, and a context with a
request id, the function's name and timeout, the region, and credentials
taken from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN.
ROTOR_ENDPOINT (and ROTOR_ENDPOINT_<PRODUCT>, ALIBABA_CLOUD_REGION_ID) reach
the function as its environment. The function's log lines are printed
prefixed with "log:", then its result as JSON.

Options:
  --event E    the event: JSON text, or @path to read it from a file
  --timeout S  the function's timeout in seconds (default 300)
  -h, --help   show this help

Example:
  rotor invoke rotate-generic --event '{"SecretName":"my-secret"}'

Exit codes: 0 the function returned, 1 it threw (its error is printed), 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { event: { type: "string" }, timeout: { type: "string" } },
      true,
    );
    const [functionName, ...extra] = positionals;
    if (functionName === undefined)
      throw new UsageError("name the function to invoke (a built-in function or an absolute path)");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (values.event === undefined)
      throw new UsageError("--event is required (JSON text or @file)");
    const timeout = integerFlag(values.timeout, "--timeout", 1, 86_400) ?? 300;
    const eventText = values.event.startsWith("@")
      ? await readFile(resolve(values.event.slice(1)), "utf8").catch(
          (error: NodeJS.ErrnoException) => {
            throw new UsageError(
              `--event ${values.event}: cannot read the file (${error.code ?? error.message})`,
            );
          },
        )
      : values.event;
    const result = await invokeFunction({
      functionName,
      event: Buffer.from(eventText),
      timeout,
      io,
    });
    io.out(JSON.stringify(result));
    return EXIT.ok;
  },
};

/**
 * Runs a function's handler in-process with an FC-shaped event and context.
 * The function's stdout lines go to `io.out` prefixed "log:".
 */
export async function invokeFunction(input: {
  functionName: string;
  event: Buffer;
  timeout: number;
  io: CliIo;
}): Promise<unknown> {
  const { functionName, io } = input;
  const handler = isAbsolute(functionName)
    ? await entryFileHandler(functionName)
    : // The built-in handlers read no context logger (the local cloud's FC adds one).
      ((await loadBuiltInHandler(functionName)) as FunctionHandler | undefined);
  if (handler === undefined) {
    throw new UsageError(
      `no function ${functionName}: the built-in functions are ${BUILT_IN_FUNCTION_NAMES.join(", ")}; give your own by the absolute path of its entry file`,
    );
  }
  const region = readEnv("ALIBABA_CLOUD_REGION_ID", io.env) ?? "cn-hangzhou";
  const context: FcContext = {
    requestId: randomUUID(),
    credentials: envCredentials(io.env),
    function: { name: functionName, handler: "index.handler", memory: 512, timeout: input.timeout },
    region,
  };
  return withFunctionEnvironment(io.env, io, async () => {
    try {
      return await handler(input.event, context);
    } catch (error) {
      const type =
        (error as { errorType?: string })?.errorType ?? (error as Error)?.name ?? "Error";
      throw new RotorError(
        `function ${functionName} failed: ${type}: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  });
}

/** The `handler` export of an entry file of the user's own. */
async function entryFileHandler(entry: string): Promise<FunctionHandler> {
  let module: { handler?: unknown };
  try {
    module = (await import(pathToFileURL(entry).href)) as { handler?: unknown };
  } catch (error) {
    throw new UsageError(`no function ${entry}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof module.handler !== "function") {
    throw new UsageError(`${entry} exports no handler function`);
  }
  return module.handler as FunctionHandler;
}

/**
 * What FC gives a function: its environment variables, and stdout collected
 * as its log. Both are set for the call and put back afterwards.
 */
async function withFunctionEnvironment<T>(env: Env, io: CliIo, call: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const key of Object.keys({ ...process.env, ...env })) {
    if (!FORWARDED_ENV.test(key)) continue;
    saved.set(key, process.env[key]);
    const value = env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const write = process.stdout.write;
  let pending = "";
  // io.out may itself write to stdout (the real CLI does): those writes pass straight through.
  let forwarding = false;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (forwarding)
      return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    pending += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    let newline = pending.indexOf("\n");
    forwarding = true;
    try {
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        io.out(`log: ${line}`);
        newline = pending.indexOf("\n");
      }
    } finally {
      forwarding = false;
    }
    return true;
  }) as typeof process.stdout.write;
  try {
    return await call();
  } finally {
    process.stdout.write = write;
    if (pending) io.out(`log: ${pending}`);
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

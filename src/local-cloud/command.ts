/**
 * The `rotor-local-cloud` command: the local cloud as a server of its own,
 * with nothing of Rotor deployed on it (the `rotor local-cloud` command of
 * the rotor package adds Rotor's functions and the database, Redis and ECS
 * instances). It prints where it listens and the root account, then serves
 * until SIGINT or SIGTERM.
 *
 * @example
 * rotor-local-cloud --port 8765 --state .rotor/local-cloud
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalCloud } from "./embedded.ts";
import { parseThrottleSpec } from "./throttle.ts";

export const USAGE = `Usage: rotor-local-cloud [--port N] [--state DIR] [--region R] [--throttle SPEC] [--verbose]

Serves Alibaba Cloud's OpenAPI on 127.0.0.1 (KMS, RAM, STS, Function
Compute, RDS, PolarDB, Redis/Tair, ECS Cloud Assistant, EventBridge), with
signatures and RAM policies checked. Point clients at it with
ROTOR_ENDPOINT=http://127.0.0.1:PORT.

Options:
  --port N         TCP port (default 8765; 0 picks a free one)
  --state DIR      state folder, encrypted at rest (default .rotor/local-cloud)
  --region R       region the cloud answers as (default cn-hangzhou)
  --throttle SPEC  Action=QPS pairs, * for every action (e.g. *=200); excess
                   calls get 429 Rejected.Throttling
  --verbose        one line per request on stderr
  -h, --help       show this help

The root AccessKey is ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET when both are
set, otherwise one generated on first start and kept in DIR/account.json.
Exit codes: 0 stopped by SIGINT or SIGTERM, 2 bad command line.`;

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

const PROCESS_IO: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Runs the command; resolves with its exit code once the cloud has stopped. */
export async function main(args: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  let options: LocalCloudFlags;
  try {
    options = readFlags(args, io.env);
  } catch (error) {
    io.err(
      `rotor-local-cloud: ${(error as Error).message}\nRun \`rotor-local-cloud --help\` for usage.`,
    );
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  const cloud = await startLocalCloud({
    port: options.port,
    stateDir: options.stateDir,
    region: options.region,
    throttle: options.throttle,
    rootCredentials: options.rootCredentials,
    log: options.verbose ? (line) => io.err(line) : undefined,
  });
  io.out(`rotor-local-cloud listening on ${cloud.endpoint}`);
  io.out(
    `region ${cloud.region}, account ${cloud.accountId}, root AccessKey ${cloud.credentials.accessKeyId}`,
  );
  io.out(`credentials: ${cloud.credentialsSource}`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void cloud.close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

interface LocalCloudFlags {
  help: boolean;
  port: number;
  stateDir: string;
  region: string | undefined;
  throttle: Record<string, number> | undefined;
  rootCredentials: { accessKeyId: string; accessKeySecret: string } | undefined;
  verbose: boolean;
}

function readFlags(args: string[], env: CommandIo["env"]): LocalCloudFlags {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: "string" },
      state: { type: "string" },
      region: { type: "string" },
      throttle: { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const port = values.port === undefined ? 8765 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? "0") || port > 65535) {
    throw new Error(
      `--port expects a whole number from 0 to 65535, got ${JSON.stringify(values.port)}`,
    );
  }
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID || undefined;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || undefined;
  if ((accessKeyId === undefined) !== (accessKeySecret === undefined)) {
    throw new Error(
      "set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither",
    );
  }
  return {
    help: values.help === true,
    port,
    stateDir: resolve(values.state ?? ".rotor/local-cloud"),
    region: values.region,
    throttle: values.throttle === undefined ? undefined : parseThrottleSpec(values.throttle),
    rootCredentials: accessKeyId && accessKeySecret ? { accessKeyId, accessKeySecret } : undefined,
    verbose: values.verbose === true,
  };
}

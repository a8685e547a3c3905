import { resolve } from "node:path";
import { readEnv } from "../../config/env.ts";
import { startLocalCloud } from "../../local-cloud/embedded.ts";
import { parseThrottleSpec } from "../../local-cloud/throttle.ts";
import { type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags, UsageError } from "../parse-flags.ts";

export const localCloudCommand: Command = {
  name: "local-cloud",
  summary: "Run a local Alibaba Cloud (KMS, RAM, STS, FC) on 127.0.0.1 for tests and demos",
  help: `Usage: rotor local-cloud [--port N] [--state DIR] [--region R] [--throttle SPEC] [--verbose]

Serves Alibaba Cloud's OpenAPI on 127.0.0.1: KMS Secrets Manager
(2016-01-20), RAM (2015-05-01) with access policies, STS (2015-04-01) and
Function Compute InvokeFunction (2023-03-30; functions are deployed by the
embedding program, see docs/local-cloud.md). Requests must be signed (V3
ACS3-HMAC-SHA256 or V1 HMAC-SHA1, STS security tokens accepted), so the
official SDKs work against it unchanged. Point clients at it with
ROTOR_ENDPOINT=http://127.0.0.1:PORT.

Options:
  --port N         TCP port (default 8765; 0 picks a free one)
  --state DIR      state folder (default .rotor/local-cloud); secret data is
                   encrypted at rest (AES-256-GCM, key in DIR/master.key, 0600)
  --region R       region the cloud answers as (default cn-hangzhou)
  --throttle SPEC  simulate throttling: Action=QPS pairs, * for every action,
                   e.g. GetSecretValue=50,*=200; excess calls get 429
                   Rejected.Throttling
  --verbose        one line per request on stderr (action, status, time)
  -h, --help       show this help

Credentials: the root account's AccessKey is ALIBABA_CLOUD_ACCESS_KEY_ID /
ALIBABA_CLOUD_ACCESS_KEY_SECRET when both are set, otherwise one generated on
first start and kept in DIR/account.json.

On start it prints "rotor local-cloud listening on http://127.0.0.1:PORT".
SIGINT or SIGTERM stops it cleanly (exit code 0).`,

  async run(args, io) {
    const { values } = parseFlags(args, {
      port: { type: "string" },
      state: { type: "string" },
      region: { type: "string" },
      throttle: { type: "string" },
      verbose: { type: "boolean" },
    });
    const port = integerFlag(values.port, "--port", 0, 65535) ?? 8765;
    let throttle: Record<string, number> | undefined;
    try {
      throttle = values.throttle === undefined ? undefined : parseThrottleSpec(values.throttle);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const keyId = readEnv("ALIBABA_CLOUD_ACCESS_KEY_ID", io.env);
    const keySecret = readEnv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", io.env);
    if ((keyId === undefined) !== (keySecret === undefined)) {
      throw new UsageError(
        "set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither",
      );
    }
    const cloud = await startLocalCloud({
      port,
      stateDir: resolve(values.state ?? ".rotor/local-cloud"),
      region: values.region,
      throttle,
      rootCredentials:
        keyId && keySecret ? { accessKeyId: keyId, accessKeySecret: keySecret } : undefined,
      log: values.verbose ? (line) => io.err(line) : undefined,
    });
    io.out(`rotor local-cloud listening on ${cloud.endpoint}`);
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
    return EXIT.ok;
  },
};

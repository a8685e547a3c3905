import { resolve } from "node:path";
import { readEnv } from "@rotor/core/cloud-api";
import {
  type CallStatsSnapshot,
  parseQuotaSpec,
  parseThrottleSpec,
  type QuotaOptions,
  resolveQuotas,
  startLocalCloud,
} from "@rotor/local-cloud";
import { serveBuiltInFunctions } from "../built-in-functions.ts";
import { type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags, UsageError } from "../parse-flags.ts";
import { type LocalCloudSetup, readLocalCloudSetup } from "./local-cloud-config.ts";

export const localCloudCommand: Command = {
  name: "local-cloud",
  summary:
    "Run a local Alibaba Cloud (KMS, RAM, STS, FC with Rotor's functions, RDS, PolarDB, Redis/Tair, ECS, EventBridge) on 127.0.0.1",
  help: `Usage: rotor local-cloud [--port N] [--state DIR] [--region R] [--config FILE]
                         [--rds-instance ID=URL]... [--polardb-cluster ID=URL]...
                         [--redis-instance ID=URL]... [--ecs-instance ID=URL]...
                         [--function-env FUNCTION:NAME=VALUE]... [--no-functions]
                         [--throttle SPEC] [--quotas SPEC] [--quota-scale F]
                         [--verbose]

Serves Alibaba Cloud's OpenAPI on 127.0.0.1: KMS Secrets Manager
(2016-01-20), RAM (2015-05-01) with access policies, STS (2015-04-01),
Function Compute InvokeFunction (2023-03-30), ApsaraDB RDS accounts
(2014-08-15), PolarDB accounts (2017-08-01), ApsaraDB for Redis/Tair
accounts (R-kvstore 2015-01-01), ECS Cloud Assistant (2014-05-26) and
EventBridge (2020-04-01: event buses, PutEvents, QueryTracedEvents,
QueryEvent; events are kept in the state folder, not delivered). Requests
must be signed
(V3 ACS3-HMAC-SHA256 or V1 HMAC-SHA1, STS security tokens accepted), so the
official SDKs work against it unchanged. Point clients at it with
ROTOR_ENDPOINT=http://127.0.0.1:PORT.

Function Compute serves Rotor's built-in functions: rotate-generic,
rotate-mysql, rotate-postgres, rotate-redis, rotate-ram-access-key,
rotate-ecs-password, rotate-ecs-ssh-key, on-failure and scheduler, with
s.yaml's timeouts and
retries (a rotation's last failure goes to on-failure). Each runs as the
RAM role rotor-<function>, created on start, trusted by fc.aliyuncs.com and
holding its policy template (rotor policy <function>): as deployed, they rotate secrets
named rotor/... (attach more policies to a role through RAM, or edit the
template, to allow more). Each function's environment is ROTOR_ENDPOINT
(this cloud) plus what --config or --function-env sets for it, e.g. the
deploy policy's ROTOR_RDS_INSTANCES, ROTOR_POLARDB_CLUSTERS,
ROTOR_ECS_INSTANCES or ROTOR_REDIS_INSTANCES. Functions' log
lines go to stdout. There is no timer: run the scheduler with
\`rotor invoke scheduler\` or by invoking it through FC.

Options:
  --port N         TCP port (default 8765; 0 picks a free one)
  --state DIR      state folder (default .rotor/local-cloud); secret data is
                   encrypted at rest (AES-256-GCM, key in DIR/master.key, 0600)
  --region R       region the cloud answers as (default cn-hangzhou)
  --config FILE    JSON: "rdsInstances", "polardbClusters", "redisInstances",
                   "ecsInstances" (as startLocalCloud takes them) and
                   "functions": {"<function>": {"environment": {...}}};
                   see docs/local-cloud.md
  --rds-instance ID=ENGINE://USER@HOST:PORT[/DATABASE]?password-env=VAR
                   an RDS instance: a MySQL, MariaDB or PostgreSQL server and
                   its administrator (ENGINE mysql, mariadb or postgresql;
                   DATABASE: PostgreSQL's administrator database); the
                   password from an environment variable, or password-file=PATH
  --polardb-cluster pc-ID=EDITION://USER@HOST:PORT[/DATABASE]?password-env=VAR
                   a PolarDB cluster: a MySQL-family or PostgreSQL server and
                   its administrator (EDITION mysql or postgresql); the
                   password from an environment variable, or password-file=PATH
  --redis-instance ID=redis://[USER@]HOST:PORT?password-env=VAR
                   a Redis/Tair instance: a Redis 6+ server with ACLs and a
                   user that may run every command (default USER: default);
                   rediss:// for TLS, trusting ca-file=PATH (or the system's
                   authorities); the password as above
  --ecs-instance ID=ssh://USER@HOST:PORT?host-key=SHA256:...&password-env=VAR
                   an ECS instance for Cloud Assistant: a server reached over
                   SSH as a uid 0 USER, its host key pinned; the password from
                   an environment variable, password-file=PATH or key-file=PATH
  --function-env FUNCTION:NAME=VALUE
                   an environment variable of one built-in function, e.g.
                   rotate-mysql:ROTOR_RDS_INSTANCES=rm-local01 (repeatable)
  --no-functions   serve no functions (FC answers FunctionNotFound)
  --throttle SPEC  simulate throttling: Action=QPS pairs, * for every action,
                   e.g. GetSecretValue=50,*=200; excess calls get 429
                   Rejected.Throttling
  --quotas SPEC    KMS's quotas per group of actions, as Alibaba limits an
                   account and region: "alibaba" (secret-create-delete 10,
                   secret-value 450, secret-list 40 QPS published;
                   secret-write 30 and random-password 50 QPS estimated),
                   optionally followed by ,GROUP=QPS to replace a group's
                   limit; also caps a tag-filtered ListSecrets at 4,000
                   matches. Applies together with --throttle
  --quota-scale F  multiply every quota by F (e.g. 0.1 to reach them sooner)
  --verbose        one line per request on stderr (action, status, time)
  -h, --help       show this help

The instance flags and --function-env may be repeated and add to --config.
Passwords never go on the command line: flags name a variable or a file.

Credentials: the root account's AccessKey is ALIBABA_CLOUD_ACCESS_KEY_ID /
ALIBABA_CLOUD_ACCESS_KEY_SECRET when both are set, otherwise one generated on
first start and kept in DIR/account.json.

On start it prints "rotor local-cloud listening on http://127.0.0.1:PORT",
then the region and account, the functions and instances it serves, the
quotas, the state's size and the process's memory, and last
"credentials: ..."; from then on it is ready. SIGINT or SIGTERM stops it
cleanly (exit code 0).

GET /.rotor/stats (local, unsigned) reports calls, throttled calls and the
busiest second per action and quota group, the memory and the state's
size; POST /.rotor/stats/reset starts the counts again.`,

  async run(args, io) {
    const { values } = parseFlags(args, {
      port: { type: "string" },
      state: { type: "string" },
      region: { type: "string" },
      config: { type: "string" },
      "rds-instance": { type: "string", multiple: true },
      "polardb-cluster": { type: "string", multiple: true },
      "redis-instance": { type: "string", multiple: true },
      "ecs-instance": { type: "string", multiple: true },
      "function-env": { type: "string", multiple: true },
      "no-functions": { type: "boolean" },
      throttle: { type: "string" },
      quotas: { type: "string" },
      "quota-scale": { type: "string" },
      verbose: { type: "boolean" },
    });
    const port = integerFlag(values.port, "--port", 0, 65535) ?? 8765;
    let throttle: Record<string, number> | undefined;
    try {
      throttle = values.throttle === undefined ? undefined : parseThrottleSpec(values.throttle);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const quotas = quotaOptions(values.quotas, values["quota-scale"]);
    const keyId = readEnv("ALIBABA_CLOUD_ACCESS_KEY_ID", io.env);
    const keySecret = readEnv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", io.env);
    if ((keyId === undefined) !== (keySecret === undefined)) {
      throw new UsageError(
        "set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither",
      );
    }
    const setup = await readLocalCloudSetup({
      configFile: values.config === undefined ? undefined : resolve(values.config),
      rdsFlags: values["rds-instance"],
      polardbFlags: values["polardb-cluster"],
      redisFlags: values["redis-instance"],
      ecsFlags: values["ecs-instance"],
      functionEnvFlags: values["function-env"],
      env: io.env,
    });
    for (const warning of setup.warnings) io.err(warning);
    const serveFunctions = values["no-functions"] !== true;
    if (!serveFunctions && Object.keys(setup.functionEnvironment).length > 0) {
      throw new UsageError(
        "function environment is set (--config functions or --function-env) but --no-functions serves none",
      );
    }
    const cloud = await startLocalCloud({
      port,
      stateDir: resolve(values.state ?? ".rotor/local-cloud"),
      region: values.region,
      throttle,
      quotas,
      rootCredentials:
        keyId && keySecret ? { accessKeyId: keyId, accessKeySecret: keySecret } : undefined,
      log: values.verbose ? (line) => io.err(line) : undefined,
      rdsInstances: setup.rdsInstances,
      polardbClusters: setup.polardbClusters,
      redisInstances: setup.redisInstances,
      ecsInstances: setup.ecsInstances,
    });
    try {
      const functions = serveFunctions
        ? await serveBuiltInFunctions(cloud, { environment: setup.functionEnvironment })
        : [];
      io.out(`rotor local-cloud listening on ${cloud.endpoint}`);
      io.out(
        `region ${cloud.region}, account ${cloud.accountId}, root AccessKey ${cloud.credentials.accessKeyId}`,
      );
      for (const line of servedLines(functions, setup)) io.out(line);
      if (quotas) io.out(quotaLine(quotas));
      io.out(stateLine(cloud.callStats()));
      io.out(`credentials: ${cloud.credentialsSource}`);
    } catch (error) {
      await cloud.close();
      throw error;
    }
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

/** `--quotas` and `--quota-scale` as startLocalCloud's `quotas`; a UsageError names a bad one. */
function quotaOptions(
  spec: string | undefined,
  scaleFlag: string | undefined,
): QuotaOptions | undefined {
  if (spec === undefined) {
    if (scaleFlag !== undefined) throw new UsageError("--quota-scale needs --quotas");
    return undefined;
  }
  const scale = scaleFlag === undefined ? undefined : Number(scaleFlag);
  if (scale !== undefined && !(scale > 0 && Number.isFinite(scale))) {
    throw new UsageError(
      `--quota-scale expects a positive number, got ${JSON.stringify(scaleFlag)}`,
    );
  }
  try {
    return { ...parseQuotaSpec(spec), scale };
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(message.startsWith("--quotas") ? message : `--quotas: ${message}`);
  }
}

/** One start-up line: how much the state holds, how long it took to open, the memory in use. */
function stateLine({ state, memory }: CallStatsSnapshot): string {
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  return `state: ${state.secrets} secrets, opened in ${state.loadMs} ms; memory: ${mb(memory.rssBytes)} MB RSS, ${mb(memory.heapUsedBytes)} MB heap`;
}

/** One start-up line: the quota groups in force, estimates marked. */
function quotaLine(options: QuotaOptions): string {
  const { preset, groups } = resolveQuotas(options);
  const limits = groups.map(
    (group) => `${group.name} ${group.perSecond}${group.basis === "estimate" ? " (estimate)" : ""}`,
  );
  return `quotas: ${preset}, per second: ${limits.join(", ")}`;
}

/** What the start-up lines say is served besides the APIs: functions and instances. */
function servedLines(
  functions: readonly { name: string; roleName: string }[],
  setup: LocalCloudSetup,
): string[] {
  const lines = [
    functions.length === 0
      ? "functions: none (--no-functions)"
      : `functions: ${functions.map((fn) => fn.name).join(", ")} (each as role rotor-<function>)`,
  ];
  for (const [id, instance] of Object.entries(setup.rdsInstances)) {
    lines.push(`rds instance ${id}: ${instance.engine} at ${instance.host}:${instance.port}`);
  }
  for (const [id, cluster] of Object.entries(setup.polardbClusters)) {
    lines.push(`polardb cluster ${id}: ${cluster.engine} at ${cluster.host}:${cluster.port}`);
  }
  for (const [id, instance] of Object.entries(setup.redisInstances)) {
    const tls = instance.tls === undefined ? "" : " over TLS";
    lines.push(`redis instance ${id}: ${instance.host}:${instance.port}${tls}`);
  }
  for (const [id, instance] of Object.entries(setup.ecsInstances)) {
    lines.push(`ecs instance ${id}: ${instance.userName}@${instance.host}:${instance.port}`);
  }
  return lines;
}

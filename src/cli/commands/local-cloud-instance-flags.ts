/**
 * The instance flags of `rotor local-cloud`, each an instance id and a URL:
 *
 *   --rds-instance ID=ENGINE://USER@HOST:PORT[/DATABASE]?password-env=VAR
 *   --polardb-cluster pc-ID=EDITION://USER@HOST:PORT[/DATABASE]?password-env=VAR
 *   --redis-instance ID=redis[s]://[USER@]HOST:PORT?password-env=VAR[&ca-file=PATH]
 *   --ecs-instance ID=ssh://USER@HOST:PORT?host-key=SHA256:…&password-env=VAR
 *
 * A password never sits on a command line (others can read it in the
 * process list): a flag names an environment variable (`password-env`) or
 * a file (`password-file`, `key-file`) that holds it, and a URL holding a
 * password is refused without being repeated.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Env } from "@rotor/core/cloud-api";
import type {
  LocalEcsInstance,
  LocalPolarDbCluster,
  LocalRdsInstance,
  LocalRedisInstance,
} from "@rotor/local-cloud";
import { UsageError } from "../parse-flags.ts";

/** What an instance id may look like: RDS's `rm-…`, `pgm-…`, ECS's `i-…` and local names. */
export const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** PolarDB cluster ids: `pc-` and lower-case letters and digits. */
export const POLARDB_CLUSTER_ID = /^pc-[a-z0-9]{1,61}$/;

const RDS_ENGINES = {
  mysql: "MySQL",
  mariadb: "MariaDB",
  postgresql: "PostgreSQL",
  postgres: "PostgreSQL",
} as const;
const POLARDB_EDITIONS = {
  mysql: "MySQL",
  postgresql: "PostgreSQL",
  postgres: "PostgreSQL",
} as const;
const DEFAULT_PORTS = { MySQL: 3306, MariaDB: 3306, PostgreSQL: 5432 } as const;
const REDIS_PORT = 6379;

/** `ID=ENGINE://USER@HOST:PORT[/DATABASE]?password-env=VAR` (or `password-file=PATH`). */
export async function rdsInstanceFlag(flag: string, env: Env): Promise<[string, LocalRdsInstance]> {
  return databaseServerFlag(flag, env, {
    name: "--rds-instance",
    usage:
      "--rds-instance expects ID=ENGINE://USER@HOST:PORT[/DATABASE]?password-env=VAR (ENGINE mysql, mariadb or postgresql; or password-file=PATH)",
    engines: RDS_ENGINES,
  });
}

/** `pc-ID=EDITION://USER@HOST:PORT[/DATABASE]?password-env=VAR` (or `password-file=PATH`). */
export async function polardbClusterFlag(
  flag: string,
  env: Env,
): Promise<[string, LocalPolarDbCluster]> {
  const [id, cluster] = await databaseServerFlag(flag, env, {
    name: "--polardb-cluster",
    usage:
      "--polardb-cluster expects pc-ID=EDITION://USER@HOST:PORT[/DATABASE]?password-env=VAR (EDITION mysql or postgresql; or password-file=PATH)",
    engines: POLARDB_EDITIONS,
  });
  if (!POLARDB_CLUSTER_ID.test(id)) {
    throw new UsageError(
      `--polardb-cluster ${id}: a PolarDB cluster id is pc- and lower-case letters and digits`,
    );
  }
  return [id, cluster];
}

/**
 * `ID=redis://[USER@]HOST:PORT?password-env=VAR` (or `password-file=PATH`);
 * `rediss://` for TLS, trusting `ca-file=PATH` (default: the system's
 * authorities). USER defaults to `default`.
 */
export async function redisInstanceFlag(
  flag: string,
  env: Env,
): Promise<[string, LocalRedisInstance]> {
  const usage =
    "--redis-instance expects ID=redis://[USER@]HOST:PORT?password-env=VAR (or password-file=PATH; rediss:// for TLS, with ca-file=PATH)";
  const { id, url, options } = instanceUrl(flag, "--redis-instance", usage);
  const where = `--redis-instance ${id}`;
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new UsageError(`${usage}; got ${JSON.stringify(url.protocol)}`);
  }
  const tls = url.protocol === "rediss:";
  onlyOptions(
    options,
    tls ? ["password-env", "password-file", "ca-file"] : ["password-env", "password-file"],
    where,
  );
  const caFile = options.get("ca-file");
  const user = decoded(url.username, where);
  return [
    id,
    dropUndefined({
      host: url.hostname,
      port: url.port === "" ? REDIS_PORT : Number(url.port),
      adminUser: user === "" ? "default" : user,
      adminPassword: await passwordOption(options, env, where),
      tls: tls
        ? dropUndefined({
            ca:
              caFile === undefined
                ? undefined
                : await secretFile(resolve(caFile), `${where}: ca-file`),
          })
        : undefined,
    }),
  ];
}

/** A database server and its administrator, as RDS instances and PolarDB clusters are given. */
async function databaseServerFlag<Engine extends "MySQL" | "MariaDB" | "PostgreSQL">(
  flag: string,
  env: Env,
  kind: { name: string; usage: string; engines: Readonly<Record<string, Engine>> },
): Promise<
  [
    string,
    {
      engine: Engine;
      host: string;
      port: number;
      adminUser: string;
      adminPassword: string;
      adminDatabase?: string;
    },
  ]
> {
  const { id, url, options } = instanceUrl(flag, kind.name, kind.usage);
  const scheme = url.protocol.slice(0, -1);
  const engine = Object.hasOwn(kind.engines, scheme) ? kind.engines[scheme] : undefined;
  if (engine === undefined)
    throw new UsageError(`${kind.usage}; got the engine ${JSON.stringify(scheme)}`);
  const where = `${kind.name} ${id}`;
  const database = decoded(url.pathname.replace(/^\//, ""), where);
  if (database !== "" && engine !== "PostgreSQL") {
    throw new UsageError(`${where}: only a PostgreSQL server names the administrator's database`);
  }
  onlyOptions(options, ["password-env", "password-file"], where);
  return [
    id,
    dropUndefined({
      engine,
      host: url.hostname,
      port: url.port === "" ? DEFAULT_PORTS[engine] : Number(url.port),
      adminUser: userOf(url, where),
      adminPassword: await passwordOption(options, env, where),
      adminDatabase: database === "" ? undefined : database,
    }),
  ];
}

/** `ID=ssh://USER@HOST:PORT?host-key=SHA256:…&password-env=VAR` (or `password-file=`, `key-file=`). */
export async function ecsInstanceFlag(flag: string, env: Env): Promise<[string, LocalEcsInstance]> {
  const usage =
    "--ecs-instance expects ID=ssh://USER@HOST:PORT?host-key=SHA256:…&password-env=VAR (or password-file=PATH, key-file=PATH)";
  const { id, url, options } = instanceUrl(flag, "--ecs-instance", usage);
  if (url.protocol !== "ssh:")
    throw new UsageError(`${usage}; got ${JSON.stringify(url.protocol)}`);
  const where = `--ecs-instance ${id}`;
  onlyOptions(options, ["host-key", "password-env", "password-file", "key-file"], where);
  const hostKeyFingerprint = options.get("host-key");
  if (hostKeyFingerprint === undefined || !hostKeyFingerprint.startsWith("SHA256:")) {
    throw new UsageError(
      `${where}: host-key=SHA256:… is required (ssh-keygen -l -E sha256 -f <host key>)`,
    );
  }
  const keyFile = options.get("key-file");
  const credentials = [
    options.has("password-env"),
    options.has("password-file"),
    keyFile !== undefined,
  ];
  if (credentials.filter(Boolean).length !== 1) {
    throw new UsageError(`${where}: give exactly one of password-env, password-file and key-file`);
  }
  return [
    id,
    dropUndefined({
      host: url.hostname,
      port: url.port === "" ? 22 : Number(url.port),
      hostKeyFingerprint,
      userName: userOf(url, where),
      password: keyFile === undefined ? await passwordOption(options, env, where) : undefined,
      privateKey:
        keyFile === undefined
          ? undefined
          : await secretFile(resolve(keyFile), `${where}: key-file`),
    }),
  ];
}

function instanceUrl(
  flag: string,
  name: string,
  usage: string,
): { id: string; url: URL; options: Map<string, string> } {
  const equals = flag.indexOf("=");
  const id = flag.slice(0, Math.max(0, equals));
  if (!INSTANCE_ID.test(id))
    throw new UsageError(`${usage}; the ID before "=" is missing or malformed`);
  let url: URL;
  try {
    url = new URL(flag.slice(equals + 1));
  } catch {
    throw new UsageError(`${usage}; ${name} ${id}: not a URL`);
  }
  if (url.password !== "") {
    // The flag is not echoed: it holds a password.
    throw new UsageError(
      `${name} ${id}: the URL holds a password, which others can read in the process list; use password-env=VAR or password-file=PATH`,
    );
  }
  if (url.hostname === "") throw new UsageError(`${usage}; ${name} ${id}: no host`);
  // Split by hand: URLSearchParams would read the "+" of a base64 fingerprint as a space.
  const options = new Map<string, string>();
  for (const pair of url.search.replace(/^\?/, "").split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const key = at < 0 ? pair : pair.slice(0, at);
    options.set(decoded(key, name), at < 0 ? "" : decoded(pair.slice(at + 1), name));
  }
  return { id, url, options };
}

function onlyOptions(options: Map<string, string>, known: readonly string[], where: string): void {
  for (const key of options.keys()) {
    if (!known.includes(key)) {
      throw new UsageError(
        `${where}: unknown option ${JSON.stringify(key)} (known: ${known.join(", ")})`,
      );
    }
  }
}

/** Percent-decoding that fails as a usage error, never echoing the text. */
function decoded(text: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(`${where}: the URL holds a malformed %-escape`);
  }
}

function userOf(url: URL, where: string): string {
  const user = decoded(url.username, where);
  if (user === "") throw new UsageError(`${where}: the URL names no user (USER@HOST)`);
  return user;
}

/** The password from `password-env=VAR` or `password-file=PATH`, exactly one of them. */
async function passwordOption(
  options: Map<string, string>,
  env: Env,
  where: string,
): Promise<string> {
  const variable = options.get("password-env");
  const file = options.get("password-file");
  if ((variable === undefined) === (file === undefined)) {
    throw new UsageError(`${where}: give exactly one of password-env=VAR and password-file=PATH`);
  }
  if (file !== undefined) return secretFile(resolve(file), `${where}: password-file`, "password");
  const value = env[variable as string];
  if (value === undefined || value === "") {
    throw new UsageError(`${where}: password-env names ${variable}, which is not set`);
  }
  return value;
}

/** A file holding a secret: a private key as it is, a password without its final line break. */
export async function secretFile(
  path: string,
  where: string,
  holds: "password" | "key" = "key",
): Promise<string> {
  try {
    const text = await readFile(path, "utf8");
    return holds === "password" ? text.replace(/\r?\n$/, "") : text;
  } catch (error) {
    throw new UsageError(
      `${where}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

/** The object without its undefined fields (the instance types are exact-optional). */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, each]) => each !== undefined)) as T;
}

/**
 * The local cloud as its own process (`rotor local-cloud`, durable state in
 * a temp folder or a given one), as KMS is its own service. In the benchmark's process its
 * request handling would share one event loop with the client, so calls a
 * rotation makes at once would run one after the other.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startChildServer } from "./child-server.ts";

const ROOT = resolve(import.meta.dirname, "../..");

export interface LocalCloudProcess {
  port: number;
  endpoint: string;
  /** The account's root AccessKey, from the state folder. */
  credentials: { accessKeyId: string; accessKeySecret: string };
  stop(): Promise<void>;
}

export interface LocalCloudProcessOptions {
  /** A state folder to start on (kept on stop); default: a new temp folder (removed on stop). */
  stateDir?: string;
  /** More flags for `rotor local-cloud`, e.g. `["--no-functions", "--quotas", "alibaba"]`. */
  args?: string[];
}

export async function startLocalCloudProcess(
  options: LocalCloudProcessOptions = {},
): Promise<LocalCloudProcess> {
  const owned = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "rotor-bench-")));
  const removeOwned = () =>
    owned ? rm(stateDir, { recursive: true, force: true }) : Promise.resolve();
  // Without keys in its environment the server makes its own root AccessKey
  // and writes it to stateDir/account.json, where it is read below.
  const env = { ...process.env };
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const server = await startChildServer(
    [
      join(ROOT, "src/cli/bin/rotor.mjs"),
      "local-cloud",
      "--port",
      "0",
      "--state",
      stateDir,
      ...(options.args ?? []),
    ],
    env,
  ).catch(async (error: unknown) => {
    await removeOwned();
    throw error;
  });
  const stop = async () => {
    await server.stop();
    await removeOwned();
  };
  try {
    const account = JSON.parse(await readFile(join(stateDir, "account.json"), "utf8"));
    return {
      port: server.port,
      endpoint: `http://127.0.0.1:${server.port}`,
      credentials: {
        accessKeyId: String(account.accessKeyId),
        accessKeySecret: String(account.accessKeySecret),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

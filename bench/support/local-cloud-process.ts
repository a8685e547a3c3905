/**
 * The local cloud as its own process (`rotor local-cloud`, durable state in
 * a temp folder), as KMS is its own service. In the benchmark's process its
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

export async function startLocalCloudProcess(): Promise<LocalCloudProcess> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-bench-"));
  // Without keys in its environment the server makes its own root AccessKey
  // and writes it to stateDir/account.json, where it is read below.
  const env = { ...process.env };
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const server = await startChildServer(
    [join(ROOT, "src/cli/bin/rotor.mjs"), "local-cloud", "--port", "0", "--state", stateDir],
    env,
  ).catch(async (error: unknown) => {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await server.stop();
    await rm(stateDir, { recursive: true, force: true });
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

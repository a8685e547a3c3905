/**
 * The local cloud in a child process that a campaign can SIGKILL and start
 * again on the same port, from the same state folder, as a cloud outage.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import type { LocalEcsInstances } from "../../src/local-cloud/ecs/local-ecs-instance.ts";
import type { LocalRedisInstances } from "../../src/local-cloud/kvstore/local-redis-instance.ts";
import type { LocalPolarDbClusters } from "../../src/local-cloud/polardb/local-polardb-cluster.ts";
import type { CloudAddress } from "./campaign-rotators.ts";

export interface CloudProcess extends CloudAddress {
  port: number;
  /** Kills the cloud with SIGKILL (no clean shutdown) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and state folder. */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

export async function startCloudProcess(
  bundle: string,
  stateDir: string,
  /** What the cloud's products stand in front of, the same after every restart. */
  targets: {
    /** Instances the ECS product reaches (Cloud Assistant). */
    ecsInstances?: LocalEcsInstances | undefined;
    /** Instances the R-kvstore product manages accounts on. */
    redisInstances?: LocalRedisInstances | undefined;
    /** Clusters the PolarDB product manages accounts on. */
    polardbClusters?: LocalPolarDbClusters | undefined;
  } = {},
): Promise<CloudProcess> {
  const credentials = {
    accessKeyId: `LTAIcampaign${randomBytes(6).toString("hex")}`,
    accessKeySecret: randomBytes(24).toString("base64url"),
  };
  let child: ChildProcess | undefined;
  const launch = async (port: number): Promise<number> => {
    const process_ = spawn(
      process.execPath,
      [bundle, JSON.stringify({ port, stateDir, credentials, ...targets })],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    child = process_;
    const lines = createInterface({
      input: process_.stdout as NonNullable<typeof process_.stdout>,
    });
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the local cloud did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      lines.on("line", (line) => {
        const match = /^ready (\d+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      process_.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the local cloud exited before it was ready (code ${code})`));
      });
    });
  };
  const killNow = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGKILL");
    await gone;
  };
  const port = await launch(0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    port,
    kill: killNow,
    async restart() {
      await killNow();
      await launch(port);
    },
    stop: killNow,
  };
}

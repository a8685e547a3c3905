/**
 * The local cloud as a process of its own, so a crash campaign can kill it
 * with SIGKILL and start it again on the same port and state folder.
 * Prints `ready <port>` once it listens.
 *
 * Usage: node cloud-child.js '<json: port, stateDir, credentials, ecsInstances?, redisInstances?, polardbClusters?>'
 */
import type { LocalEcsInstances } from "../../src/local-cloud/ecs/local-ecs-instance.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import type { LocalRedisInstances } from "../../src/local-cloud/kvstore/local-redis-instance.ts";
import type { LocalPolarDbClusters } from "../../src/local-cloud/polardb/local-polardb-cluster.ts";

interface CloudChildInput {
  port: number;
  stateDir: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** The campaign's sshd as an ECS instance, for the Cloud Assistant kinds. */
  ecsInstances?: LocalEcsInstances;
  /** The campaign's redis-server as an ApsaraDB for Redis/Tair instance. */
  redisInstances?: LocalRedisInstances;
  /** The campaign's database servers as PolarDB clusters, for the PolarDB kinds. */
  polardbClusters?: LocalPolarDbClusters;
}

const input = JSON.parse(process.argv[2] ?? "{}") as CloudChildInput;
const cloud = await startLocalCloud({
  port: input.port,
  stateDir: input.stateDir,
  rootCredentials: input.credentials,
  ecsInstances: input.ecsInstances,
  redisInstances: input.redisInstances,
  polardbClusters: input.polardbClusters,
});
process.stdout.write(`ready ${cloud.port}\n`);
// The campaign holds this pipe open; when it goes away (even killed), so does this cloud.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));

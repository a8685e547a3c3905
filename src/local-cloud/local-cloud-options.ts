/**
 * What a local cloud is started with: its state folder, port, region, root
 * key, throttling and quotas, clock, request log, and the real servers its
 * RDS, PolarDB, Redis and ECS products manage. In a file of its own because
 * both the server and the products it builds read it.
 */
import type { LocalEcsInstances } from "./ecs/local-ecs-instance.ts";
import type { LocalRedisInstances } from "./kvstore/local-redis-instance.ts";
import type { LocalPolarDbClusters } from "./polardb/local-polardb-cluster.ts";
import type { LocalRdsInstances } from "./rds/local-rds-instance.ts";
import type { QuotaOptions, QuotaPreset } from "./throttling/alibaba-kms-quotas.ts";

export interface LocalCloudOptions {
  /** Folder for durable, encrypted state. Undefined: memory only, gone on close. */
  stateDir?: string | undefined;
  /** TCP port on 127.0.0.1; 0 (the default here) picks a free one. */
  port?: number | undefined;
  region?: string | undefined;
  /** The root AccessKey to accept; generated (and kept in stateDir) when absent. */
  rootCredentials?: { accessKeyId: string; accessKeySecret: string } | undefined;
  /** Simulated throttling: action (or `*`) → requests per second. */
  throttle?: Readonly<Record<string, number>> | undefined;
  /**
   * A quota preset: `"alibaba"` limits KMS calls per group of actions as
   * Alibaba's shared gateway does per account and region (see
   * throttling/alibaba-kms-quotas.ts); the object form scales or replaces
   * limits. Applies together with `throttle`.
   */
  quotas?: QuotaPreset | QuotaOptions | undefined;
  /** See KmsOptions.currentMovesPrevious. Default true. */
  currentMovesPrevious?: boolean | undefined;
  /**
   * The cloud's clock for its own times (creation times, recovery windows,
   * credential expiry): tests move it. Signature timestamps are always
   * checked against the real clock, which is what clients sign with.
   */
  now?: (() => number) | undefined;
  /** One line per request (action, code, status, ms); never parameters, which may hold secrets. */
  log?: ((line: string) => void) | undefined;
  /**
   * For leak scans in tests: append every secret value stored or issued to
   * this file (default: ROTOR_SECRET_LEDGER; unset: off). See secret-ledger.ts.
   */
  secretLedgerFile?: string | undefined;
  /** ECS instances Cloud Assistant commands reach: instance id → a server over SSH (see ecs/local-ecs-instance.ts). */
  ecsInstances?: LocalEcsInstances | undefined;
  /** RDS instances the account actions manage: DBInstanceId → a real database server (see rds/local-rds-instance.ts). */
  rdsInstances?: LocalRdsInstances | undefined;
  /** ApsaraDB for Redis/Tair instances the account actions manage: InstanceId → a real Redis server (see kvstore/local-redis-instance.ts). */
  redisInstances?: LocalRedisInstances | undefined;
  /** PolarDB clusters the account actions manage: DBClusterId (`pc-…`) → a real MySQL-family or PostgreSQL server (see polardb/local-polardb-cluster.ts). */
  polardbClusters?: LocalPolarDbClusters | undefined;
}

/**
 * `@rotor/local-cloud`: an Alibaba Cloud on loopback, for tests and demos.
 * One HTTP server speaks the real OpenAPI protocol of KMS Secrets Manager,
 * RAM, STS, Function Compute, RDS, ECS Cloud Assistant, EventBridge,
 * Redis/Tair and PolarDB, checks signatures and RAM policies, and keeps its
 * state encrypted on disk. It knows nothing of Rotor: a caller deploys
 * whatever FC handlers it wants on `cloud.fc`.
 */

export type { LocalEcsInstance, LocalEcsInstances } from "./ecs/local-ecs-instance.ts";
export { startLocalCloud } from "./embedded.ts";
export type { InvocationRecord, LocalFunctionCompute } from "./fc/fc-product.ts";
export {
  type AsyncInvokeConfig,
  type FcContext,
  type FcCredentials,
  type FcHandler,
  functionModule,
  type LocalFunction,
} from "./fc/local-function.ts";
export type { RoleCredentials, ServiceRoleRequest } from "./identity.ts";
export type { LocalRedisInstance, LocalRedisInstances } from "./kvstore/local-redis-instance.ts";
export type { LocalPolarDbCluster, LocalPolarDbClusters } from "./polardb/local-polardb-cluster.ts";
export type { LocalRdsInstance, LocalRdsInstances } from "./rds/local-rds-instance.ts";
export { type SeedOptions, seedSecrets } from "./seed-secrets.ts";
export type { LocalCloudOptions, RunningLocalCloud } from "./server.ts";
export { parseThrottleSpec } from "./throttle.ts";
export {
  ALIBABA_KMS_QUOTAS,
  parseQuotaSpec,
  type QuotaGroup,
  type QuotaOptions,
  type QuotaPreset,
  type ResolvedQuotas,
  resolveQuotas,
} from "./throttling/alibaba-kms-quotas.ts";
export type { CallCounts, CallStatsSnapshot, GroupCounts } from "./throttling/call-stats.ts";

/**
 * The ECS client the Cloud Assistant rotators call, as one dependency:
 * tests pass clients pointed at a local cloud; by default a client for the
 * value's region with the standard credential chain (on Function Compute,
 * the function role's keys in ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET /
 * ALIBABA_CLOUD_SECURITY_TOKEN).
 */
import { EcsClient } from "../../../clients/ecs-client.ts";

export interface EcsCloudAssistantClients {
  /** ECS in `regionId`, as the rotation function's identity (needs ecs:RunCommand, ecs:SendFile and their Describe actions). */
  ecs(regionId: string): EcsClient;
}

export function defaultEcsCloudAssistantClients(): EcsCloudAssistantClients {
  return { ecs: (regionId) => new EcsClient({ region: regionId }) };
}

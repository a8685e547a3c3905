/**
 * The ECS client the Cloud Assistant rotators call, as one dependency: by
 * default the rotation context's (ctx.cloud: the invocation's identity at
 * the deployment's endpoints, in the value's region); a caller that needs
 * another passes its own.
 */
import type { EcsClient } from "@rotor/cloud-api";

export interface EcsCloudAssistantClients {
  /** ECS in `regionId`, as the rotation function's identity (needs ecs:RunCommand, ecs:SendFile and their Describe actions). */
  ecs(regionId: string): EcsClient;
}

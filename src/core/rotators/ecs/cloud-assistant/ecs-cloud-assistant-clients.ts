/**
 * The ECS client the Cloud Assistant rotators call, as one dependency:
 * tests pass clients pointed at a local cloud; by default a client for the
 * value's region calling as the current invocation (on Function Compute,
 * the function role's keys from context.credentials; elsewhere the
 * standard credential chain), see src/core/functions/invocation-credentials.ts.
 */
import { EcsClient } from "@rotor/cloud-api";
import { invocationCredentials } from "../../../functions/invocation-credentials.ts";

export interface EcsCloudAssistantClients {
  /** ECS in `regionId`, as the rotation function's identity (needs ecs:RunCommand, ecs:SendFile and their Describe actions). */
  ecs(regionId: string): EcsClient;
}

export function defaultEcsCloudAssistantClients(): EcsCloudAssistantClients {
  return {
    ecs: (regionId) => new EcsClient({ region: regionId, credentials: invocationCredentials() }),
  };
}

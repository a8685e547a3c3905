/**
 * The rotators a crash campaign drives, the cloud they reach (one local
 * cloud, handed to the engine as the rotators' ctx.cloud), and the deploy
 * policy both the killed child and the parent's recovery invocation run
 * under (the campaign's cloud serves its own instances only, so any
 * instance is allowed).
 */
import type { AccessKeyCredentials } from "../../src/cloud-api/credentials.ts";
import { type DeployPolicy, deployPolicyFromEnv } from "../../src/core/contract/deploy-policy.ts";
import { openRotatorCloud, type RotatorCloud } from "../../src/core/contract/rotator-cloud.ts";
import type { AnyRotator } from "../../src/core/contract/rotator-contract.ts";
import { rotatorRegistry } from "../../src/core/rotators/registry.ts";

export interface CloudAddress {
  endpoint: string;
  credentials: AccessKeyCredentials;
}

/**
 * The deployment a campaign's rotations run under: the environment's (the
 * targets add their webhook receiver's origin there before any rotation
 * starts, and the rotation children inherit it), with every instance allowed.
 */
export function campaignPolicy(): DeployPolicy {
  return {
    ...deployPolicyFromEnv(),
    rdsInstances: { any: true },
    polardbClusters: { any: true },
    ecsInstances: { any: true },
    redisInstances: { any: true },
  };
}

/** Every built-in rotator, as `rotor rotate` runs them. */
export function campaignRotators(): Readonly<Record<string, AnyRotator>> {
  return rotatorRegistry();
}

/**
 * The cloud the rotators reach (ctx.cloud): every product at this local
 * cloud, as its root, retrying quickly (a campaign kills and restarts it).
 */
export function campaignCloud(cloud: CloudAddress): RotatorCloud {
  return openRotatorCloud({
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
}

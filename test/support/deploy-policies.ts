/**
 * Deploy policies for tests that rotate on RDS and ECS instances or
 * PolarDB clusters the local cloud serves: the safe default, with the
 * targets the test names allowed (as who deploys the function would list
 * them in s.yaml).
 */
import {
  type Allowed,
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../src/core/contract/deploy-policy.ts";

/** Every value allowed, as `*` in the environment. */
export const ANY_VALUE: Allowed = { any: true };

/** The default policy with `changes` on top. */
export function deployPolicyWith(changes: Partial<DeployPolicy>): DeployPolicy {
  return { ...DEFAULT_DEPLOY_POLICY, ...changes };
}

/** A deployment that lets the test reach any RDS, ECS and Redis/Tair instance and PolarDB cluster of its local cloud. */
export const ANY_INSTANCE: DeployPolicy = deployPolicyWith({
  rdsInstances: ANY_VALUE,
  polardbClusters: ANY_VALUE,
  ecsInstances: ANY_VALUE,
  redisInstances: ANY_VALUE,
});

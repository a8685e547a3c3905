/**
 * The current invocation's identity, for the cloud clients a rotator makes
 * (RAM, STS, ECS Cloud Assistant, RDS). FC hands a function its role's
 * keys in `context.credentials`, per invocation; one instance may serve
 * several invocations at once, so the keys travel in AsyncLocalStorage
 * rather than in a shared variable, and a rotator's clients call as the
 * same role as the engine's KMS client. Without keys (a function with no
 * role, `rotor rotate` on a laptop) the standard Alibaba credential chain
 * applies.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { AccessKeyCredentials } from "@rotor/cloud-api";

const invocation = new AsyncLocalStorage<AccessKeyCredentials | undefined>();

/** Runs `work` with `credentials` as the identity that invocationCredentials() returns. */
export function withInvocationCredentials<T>(
  credentials: AccessKeyCredentials | undefined,
  work: () => T,
): T {
  return invocation.run(credentials, work);
}

/** The keys of the invocation running now, or undefined for the standard credential chain. */
export function invocationCredentials(): AccessKeyCredentials | undefined {
  return invocation.getStore();
}

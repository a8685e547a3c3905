/**
 * The `ctx` a rotator receives in every call: the invocation's secret,
 * config and tags, the deployment's policy, KMS and the other cloud
 * clients, a scrubbing logger, the deadline, and the hooks (reads of other secrets, external calls, work at
 * the invocation's end). Built in this one place for every step.
 */
import type { SecretValue } from "@rotor/cloud-api";
import type { RotatorContext } from "../contract/rotator-contract.ts";
import { ACS_CURRENT } from "../contract/stages.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { Invocation } from "./rotation-invocation.ts";

export function rotatorContext(
  runtime: EngineRuntime,
  invocation: Invocation,
  versionIds: RotatorContext<unknown>["versionIds"],
  /** Other secrets' ACSCurrent, read ahead for the rotator (see Rotator.readsSecrets). */
  readAhead?: ReadonlyMap<string, Promise<SecretValue>> | undefined,
): RotatorContext<unknown> {
  const { log, beforeExternalCall, store } = runtime;
  return {
    secretName: invocation.secretName,
    config: invocation.config,
    tags: invocation.tags,
    policy: runtime.policy,
    kms: store.kms,
    cloud: runtime.cloud,
    log: log.child({ secret: invocation.secretName }),
    deadline: runtime.deadline,
    emergency: invocation.emergency,
    versionIds,
    readSecret: async (secretName, options) => {
      const versionStage = options?.versionStage ?? ACS_CURRENT;
      const early = versionStage === ACS_CURRENT ? readAhead?.get(secretName) : undefined;
      const secret = await (early ?? store.readStage(secretName, versionStage));
      log.redact(secret.secretData);
      return secret.secretData;
    },
    external: async (name, call) => {
      await beforeExternalCall?.({ kind: "external", name });
      return call();
    },
    redact: (value) => log.redact(value),
    now: runtime.now,
    onInvocationEnd: (hook) => {
      invocation.endHooks.push(hook);
    },
  };
}

/**
 * A dry run: the rotator's test of the ACSCurrent value, and nothing
 * changed. `rotor cancel` asks for one before it clears a pending version.
 */
import type { SecretValue } from "@rotor/cloud-api";
import { ACS_CURRENT } from "../contract/stages.ts";
import { auditStep } from "./audit-step.ts";
import { type EngineRuntime, parseValue } from "./engine-runtime.ts";
import type { Invocation } from "./rotation-invocation.ts";
import type { RotationResult } from "./rotation-request.ts";
import { rotatorContext } from "./rotator-context.ts";

export async function dryRun(
  runtime: EngineRuntime,
  invocation: Invocation,
  /** ACSCurrent, when the engine already asked for it. */
  currentRead: Promise<SecretValue> | undefined,
): Promise<RotationResult> {
  const { secretName, rotator } = invocation;
  const current = await (currentRead ?? runtime.store.readStage(secretName, ACS_CURRENT));
  return auditStep(
    runtime,
    secretName,
    "testSecret",
    current.versionId,
    { dryRun: true },
    async () => {
      const value = parseValue(runtime, rotator, current, secretName);
      const ctx = rotatorContext(runtime, invocation, {
        current: current.versionId,
        pending: current.versionId,
      });
      await rotator.test(value, ctx);
      return {
        secretName,
        versionId: current.versionId,
        outcome: "dry-run-passed",
        steps: ["testSecret"],
        resumed: false,
      };
    },
  );
}

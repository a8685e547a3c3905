/**
 * The rotation function's work as one plain function: a checked request,
 * who calls, until when, where to log. The FC handler
 * (create-rotation-handler.ts) is a thin layer over it; tests and `rotor rotate` call it directly.
 */
import type { KmsClientOptions } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import { RotationBlockedError, RotationInProgressError } from "../contract/rotation-errors.ts";
import { openRotatorCloud } from "../contract/rotator-cloud.ts";
import type { AnyRotator, BeforeExternalCall } from "../contract/rotator-contract.ts";
import type { RotorEventSink } from "../contract/rotor-events.ts";
import type { JsonLogger } from "../engine/json-logger.ts";
import {
  RotationEngine,
  type RotationRequest,
  type RotationResult,
} from "../engine/rotation-engine.ts";
import { genericRotator } from "../rotators/generic/generic-rotator.ts";
import { rotatorsByKind } from "../rotators/rotator-kinds.ts";
import type { FcCredentials } from "./fc-context.ts";

export interface RunRotationDeps {
  log: JsonLogger;
  /** Explicit keys (FC's context.credentials); absent: the standard Alibaba credential chain. */
  credentials?: FcCredentials | undefined;
  /** Epoch ms by which the work must stop. */
  deadline: number;
  /**
   * The rotators this caller runs, found by the kind a secret's rotor:rotator
   * tag names (default: the generic rotator alone). An FC function names only
   * its own, so its bundle carries only their code; `rotor rotate` passes
   * every built-in one (src/core/rotators/registry.ts; why the two differ:
   * src/core/rotators/rotator-kinds.ts).
   */
  rotators?: readonly AnyRotator[] | undefined;
  /** Endpoint, region, retry and timeouts of the KMS client. */
  kms?: Omit<KmsClientOptions, "credentials"> | undefined;
  beforeExternalCall?: BeforeExternalCall | undefined;
  /** What the deployment allows; default read from the environment (src/core/contract/deploy-policy.ts). */
  policy?: DeployPolicy | undefined;
  now?: (() => number) | undefined;
  /**
   * Where the rotation's events go (docs/events.md); none: nothing is
   * announced. The caller waits for their delivery (EventBusPublisher.flush).
   */
  events?: RotorEventSink | undefined;
}

/** The longest error message a rotation lets out (a target's error text can run for pages). */
const MAX_ERROR_LENGTH = 1000;

export async function runRotation(
  request: RotationRequest,
  deps: RunRotationDeps,
): Promise<RotationResult> {
  try {
    return await rotate(request, deps);
  } catch (error) {
    throw scrubbed(error, deps.log);
  }
}

/**
 * The error with its message fit to leave the rotation: a target's words
 * (a database server's error, an SSH server's stderr, a webhook's answer)
 * travel on to FC, the failure tag, notifications and terminals, so every
 * value this invocation handled is redacted, control characters and line
 * breaks go, and the length is bounded (src/core/contract/untrusted-text.ts). The
 * error keeps its class: callers tell a refusal from a failure by it.
 */
function scrubbed(error: unknown, log: JsonLogger): unknown {
  if (error instanceof Error) error.message = log.scrubUntrusted(error.message, MAX_ERROR_LENGTH);
  return error;
}

async function rotate(request: RotationRequest, deps: RunRotationDeps): Promise<RotationResult> {
  const engine = new RotationEngine({
    kms: { ...deps.kms, credentials: deps.credentials },
    // The rotators' own clients (ctx.cloud: RAM, ECS, RDS, …) call as this
    // invocation, the same identity as KMS, at the deployment's endpoints.
    cloud: openRotatorCloud({ credentials: deps.credentials }),
    rotators: rotatorsByKind(deps.rotators ?? [genericRotator]),
    log: deps.log,
    policy: deps.policy,
    deadline: deps.deadline,
    now: deps.now,
    beforeExternalCall: deps.beforeExternalCall,
    events: deps.events,
  });
  if (!request.emergency) return engine.rotate(request);
  return rotateOnceTheLeaseAllows(engine, request, deps);
}

/**
 * An emergency rotation that finds another rotation holding the secret
 * does not give up: the value that leaked may still be valid when that
 * rotation ends (dual-account and grace periods keep ACSPrevious working).
 * It waits, within its own deadline, for the holder to finish or for its
 * lease to run out (a crashed holder), or for whatever else blocks it
 * (RotationBlockedError: a key another invocation may be storing), then
 * rotates again from whatever is
 * current by then, revoking as an emergency does. Two rotations working on
 * one target at once is never the answer.
 */
async function rotateOnceTheLeaseAllows(
  engine: RotationEngine,
  request: RotationRequest,
  deps: RunRotationDeps,
): Promise<RotationResult> {
  const now = deps.now ?? Date.now;
  for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
    try {
      return await engine.rotate(request);
    } catch (error) {
      if (!(error instanceof RotationBlockedError)) throw error;
      const until = Math.min(now() + wait, error.blockedUntil ?? Number.POSITIVE_INFINITY);
      // Keep a margin so the retry itself has time to run before the deadline.
      if (until + 5_000 > deps.deadline) throw error;
      deps.log.warn("emergency-waits-for-rotation", {
        secret: request.secretName,
        ...(error instanceof RotationInProgressError ? { versionId: error.versionId } : {}),
        reason: error.message,
        until: new Date(until).toISOString(),
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - now())));
    }
  }
}

/**
 * `createRotationHandler()` builds an FC 3.0 handler `(event, context)`
 * for rotation. It reads top to bottom: a redacting JSON logger for the
 * invocation, its deadline, the function role's keys, the event checked
 * (and the scheduler's StartAfterMs waited); then the work itself,
 * runRotation(); any failure leaves as one clean error (rotation-failed.ts).
 *
 * @example
 * // functions/rotate-generic/index.ts
 * export const handler = createRotationHandler({ rotators: [genericRotator] });
 */
import { setTimeout as sleep } from "node:timers/promises";
import { readEnv } from "@rotor/cloud-api";
import type { AnyRotator } from "../contract/rotator-contract.ts";
import type { JsonLogger } from "../engine/json-logger.ts";
import type { RotationRequest, RotationResult } from "../engine/rotation-engine.ts";
import { publisherFromEnv } from "../notify/event-bus-publisher.ts";
import type { FcContext, FcCredentials } from "./fc-context.ts";
import { credentialsOf } from "./fc-credentials.ts";
import { invocationDeadline } from "./invocation-deadline.ts";
import { invocationLogger, writeToStdout } from "./invocation-logger.ts";
import { parseRotationEvent } from "./rotation-event.ts";
import { rotationFailed } from "./rotation-failed.ts";
import { type RunRotationDeps, runRotation } from "./run-rotation.ts";

export interface RotationHandlerOptions {
  /**
   * The rotators this function runs (default: the generic rotator alone).
   * Name only the function's own: a bundle then carries only their drivers.
   */
  rotators?: readonly AnyRotator[];
  /** Where log lines go (default stdout). */
  write?: (line: string) => void;
  /** KMS client settings; endpoint and region default to ROTOR_ENDPOINT / FC_REGION. */
  kms?: RunRotationDeps["kms"];
  now?: () => number;
}

/** What the handler returns on success (FC serialises it as the invocation's result). */
export interface RotationResponse {
  SecretName: string;
  VersionId: string;
  Outcome: string;
  Steps: string[];
  Resumed: boolean;
}

export type RotationHandler = (event: unknown, context: FcContext) => Promise<RotationResponse>;

export function createRotationHandler(options: RotationHandlerOptions = {}): RotationHandler {
  const write = options.write ?? writeToStdout;
  const now = options.now ?? Date.now;
  return async (event, given) => {
    // FC always passes a context; a bare local call gets one.
    const context: FcContext = given ?? { requestId: "local" };
    const log = invocationLogger(write, context);
    try {
      const deadline = invocationDeadline(context, now());
      const credentials = credentialsOf(context, log);
      const request = parseRotationEvent(event);
      // The scheduler's turn within a second: FC's delay counts whole seconds only.
      if (request.startAfterMs) await sleep(request.startAfterMs);
      return response(await rotate(request, { context, log, deadline, credentials }, options));
    } catch (error) {
      throw rotationFailed(error, log);
    }
  };
}

/** What one invocation runs with, once its context is read. */
interface Invocation {
  context: FcContext;
  log: JsonLogger;
  deadline: number;
  credentials: FcCredentials | undefined;
}

async function rotate(
  request: RotationRequest,
  { context, log, deadline, credentials }: Invocation,
  options: RotationHandlerOptions,
): Promise<RotationResult> {
  const region = context.region || readEnv("FC_REGION");
  // ROTOR_EVENT_BUS set: the rotation's events go to that bus (docs/events.md).
  const events = publisherFromEnv({
    credentials,
    region,
    warn: (event, fields) => log.warn(event, fields),
  });
  try {
    return await runRotation(request, {
      log,
      credentials,
      deadline,
      rotators: options.rotators,
      kms: { region, ...options.kms },
      now: options.now,
      events,
    });
  } finally {
    // Before FC may freeze the instance; a publish that fails only logs.
    await events?.flush();
  }
}

function response(result: RotationResult): RotationResponse {
  return {
    SecretName: result.secretName,
    VersionId: result.versionId,
    Outcome: result.outcome,
    Steps: result.steps,
    Resumed: result.resumed,
  };
}

/**
 * `createRotationHandler()` builds an FC 3.0 handler `(event, context)`
 * for rotation: middy middlewares parse the event, take credentials from
 * the context, set up redacting JSON logs and the deadline, and shape
 * errors; the work itself is runRotation().
 *
 * @example
 * // functions/rotate-generic/index.ts
 * export const handler = createRotationHandler({ rotators: [genericRotator] });
 */
import middy from "@middy/core";
import { readEnv } from "@rotor/cloud-api";
import type { AnyRotator } from "../contract/rotator-contract.ts";
import { publisherFromEnv } from "../notify/event-bus-publisher.ts";
import type { FcContext } from "./fc-context.ts";
import { errorShaping } from "./middlewares/error-shaping.ts";
import { fcCredentials } from "./middlewares/fc-credentials.ts";
import { fcDeadline } from "./middlewares/fc-deadline.ts";
import { required, stateOf } from "./middlewares/handler-state.ts";
import { jsonLogs } from "./middlewares/json-logs.ts";
import { parseEvent } from "./middlewares/parse-event.ts";
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
  const work = async (_event: unknown, context: FcContext): Promise<RotationResponse> => {
    const log = required(context, "rotor.log");
    const credentials = stateOf(context)["rotor.credentials"];
    const region = context.region || readEnv("FC_REGION");
    // ROTOR_EVENT_BUS set: the rotation's events go to that bus (docs/events.md).
    const events = publisherFromEnv({
      credentials,
      region,
      warn: (event, fields) => log.warn(event, fields),
    });
    let result: Awaited<ReturnType<typeof runRotation>>;
    try {
      result = await runRotation(required(context, "rotor.request"), {
        log,
        credentials,
        deadline: required(context, "rotor.deadline"),
        rotators: options.rotators,
        kms: { region, ...options.kms },
        now: options.now,
        events,
      });
    } finally {
      // Before FC may freeze the instance; a publish that fails only logs.
      await events?.flush();
    }
    return {
      SecretName: result.secretName,
      VersionId: result.versionId,
      Outcome: result.outcome,
      Steps: result.steps,
      Resumed: result.resumed,
    };
  };
  const handler = middy()
    .use(jsonLogs({ write: options.write }))
    .use(errorShaping())
    .use(fcDeadline({ now: options.now }))
    .use(fcCredentials())
    .use(parseEvent())
    .handler(work as never);
  // FC always passes a context; a bare local call gets one so the per-invocation state has a key.
  return (event, context) =>
    (handler as unknown as RotationHandler)(event, context ?? { requestId: "local" });
}

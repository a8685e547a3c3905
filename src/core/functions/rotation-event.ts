/**
 * The events a rotation function accepts, checked at the edge:
 *
 * - a direct invocation: `{"SecretName", "Step"?, "VersionId"?, "Emergency"?, "DryRun"?}`
 * - the end of a grace period, sent by the scheduler: `{"SecretName", "EndGracePeriod": true}`
 * - a rotation the scheduler judged due from the secret's rotation record:
 *   `{"SecretName", "IfDue": true}`, rotated only if its versions agree
 * - either scheduled rotation (`{"SecretName"}`, with or without IfDue) may
 *   carry `"StartAfterMs"` (0 to 999): the part of a second of its turn
 *   that FC's whole-second delay cannot hold, which the function waits
 *   before it starts (src/core/scheduler/rotation-spread.ts)
 * - FC's timer trigger envelope `{"triggerTime","triggerName","payload"}`
 *   whose payload (a string) is that JSON
 *
 * as a Buffer (how FC delivers events), a string or an object. Anything
 * else is a ValidationError naming what is wrong, before any KMS call.
 */

import { ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { STEPS } from "../contract/rotator-contract.ts";
import type { RotationRequest } from "../engine/rotation-engine.ts";

const EXAMPLE =
  '{"SecretName":"my-secret","Step":"createSecret","VersionId":"…","Emergency":false,"DryRun":false}';

/** A turn's part of a second: FC's delay holds the whole seconds. */
const MAX_START_AFTER_MS = 999;

const directEventSchema = z.strictObject({
  SecretName: z.string().min(1).max(192),
  Step: z.enum(STEPS).optional(),
  VersionId: z.string().min(1).max(64).optional(),
  Emergency: z.boolean().optional(),
  DryRun: z.boolean().optional(),
  EndGracePeriod: z.boolean().optional(),
  IfDue: z.boolean().optional(),
  StartAfterMs: z.number().int().min(0).max(MAX_START_AFTER_MS).optional(),
});

const timerEnvelopeSchema = z.object({
  triggerTime: z.string(),
  triggerName: z.string(),
  payload: z.string(),
});

export function parseRotationEvent(event: unknown): RotationRequest {
  let value = decode(event, "the event");
  const timer = timerEnvelopeSchema.safeParse(value);
  if (timer.success) {
    if (timer.data.payload.trim() === "") {
      throw new ValidationError(
        `Timer trigger ${timer.data.triggerName} has an empty payload; set it to ${EXAMPLE}`,
      );
    }
    value = decode(timer.data.payload, `the payload of timer trigger ${timer.data.triggerName}`);
  }
  const parsed = directEventSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
      return `${issue.path.map(String).join(".") || "(the event)"}: ${issue.message}`;
    });
    throw new ValidationError(`Bad rotation event (${problems.join("; ")}); expected ${EXAMPLE}`);
  }
  const { SecretName, Step, VersionId, Emergency, DryRun, EndGracePeriod, IfDue, StartAfterMs } =
    parsed.data;
  if (
    StartAfterMs !== undefined &&
    (Step !== undefined || VersionId !== undefined || Emergency || DryRun || EndGracePeriod)
  ) {
    throw new ValidationError(
      'Bad rotation event: StartAfterMs times a scheduled rotation and takes no Step, VersionId, Emergency, DryRun or EndGracePeriod; send {"SecretName":"my-secret","StartAfterMs":250}',
    );
  }
  if (
    IfDue &&
    (Step !== undefined || VersionId !== undefined || Emergency || DryRun || EndGracePeriod)
  ) {
    throw new ValidationError(
      'Bad rotation event: IfDue asks for a scheduled rotation and takes no Step, VersionId, Emergency, DryRun or EndGracePeriod; send {"SecretName":"my-secret","IfDue":true}',
    );
  }
  if (EndGracePeriod && (Step !== undefined || VersionId !== undefined || Emergency || DryRun)) {
    throw new ValidationError(
      'Bad rotation event: EndGracePeriod rotates nothing and takes no Step, VersionId, Emergency or DryRun; send {"SecretName":"my-secret","EndGracePeriod":true}',
    );
  }
  if (DryRun && (Step !== undefined || VersionId !== undefined)) {
    throw new ValidationError(
      "Bad rotation event: DryRun tests the current value and takes no Step or VersionId",
    );
  }
  if (VersionId !== undefined && Step === undefined) {
    throw new ValidationError(
      "Bad rotation event: VersionId needs a Step (the step to run for that token)",
    );
  }
  if (Step !== undefined && Step !== "createSecret" && VersionId === undefined) {
    throw new ValidationError(
      `Bad rotation event: Step ${Step} needs the rotation's token in VersionId`,
    );
  }
  return {
    secretName: SecretName,
    step: Step,
    versionId: VersionId,
    emergency: Emergency,
    dryRun: DryRun,
    endGracePeriod: EndGracePeriod,
    ifDue: IfDue,
    startAfterMs: StartAfterMs,
  };
}

/** Buffer or string → parsed JSON; objects pass through. */
function decode(event: unknown, what: string): unknown {
  let text: string;
  if (Buffer.isBuffer(event)) text = event.toString("utf8");
  else if (event instanceof Uint8Array) text = Buffer.from(event).toString("utf8");
  else if (typeof event === "string") text = event;
  else if (typeof event === "object" && event !== null) return event;
  else
    throw new ValidationError(
      `Bad rotation event: ${what} is ${event === null ? "null" : typeof event}; expected JSON such as ${EXAMPLE}`,
    );
  if (text.trim() === "")
    throw new ValidationError(
      `Bad rotation event: ${what} is empty; expected JSON such as ${EXAMPLE}`,
    );
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(
      `Bad rotation event: ${what} is not JSON; expected JSON such as ${EXAMPLE}`,
    );
  }
}

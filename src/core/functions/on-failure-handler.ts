/**
 * The FC asynchronous invocation onFailure destination of every rotation
 * function. FC calls it once, after the last retry of a failed invocation,
 * with a record holding the original event and the error. It marks the
 * secret `rotor:status=failed` with the redacted error and announces the
 * failure on the configured webhook, so each failed rotation gives exactly
 * one notification. A failed grace ending (`EndGracePeriod`) is recorded
 * and announced the same way, its error saying so: the previous value may
 * still be usable.
 */
import { KmsClient, readEnv, ValidationError } from "@rotor/cloud-api";
import { boundedError, recordOutcome } from "../contract/tags/outcome-tags.ts";
import { type Notifier, notifierFromEnv } from "../notify/webhook-notifier.ts";
import type { FcContext } from "./fc-context.ts";

export interface OnFailureHandlerOptions {
  notifier?: Notifier | undefined;
  now?: () => number;
}

/** A JSON object as parsed: every field still to be checked before use. */
type JsonObject = Readonly<Record<string, unknown>>;

export function createOnFailureHandler(options: OnFailureHandlerOptions = {}) {
  return async (
    event: Buffer | string,
    context: FcContext,
  ): Promise<{ SecretName: string; Notified: boolean }> => {
    const record = parseRecord(event);
    const original = originalEvent(record);
    const secretName = secretNameOf(original);
    const requestContext = objectIn(record.requestContext);
    const functionName = stringIn(requestContext.functionArn)?.split("/").at(-1) ?? "unknown";
    const functionError =
      stringIn(objectIn(record.responseContext).functionError) ||
      "the rotation failed without a message";
    const error = boundedError(
      original.EndGracePeriod === true
        ? `ending the grace period of ACSPrevious failed: ${functionError}`
        : functionError,
    );
    const at = options.now?.() ?? Date.now();
    const kms = new KmsClient({
      region: context.region ?? readEnv("FC_REGION"),
      credentials: context.credentials,
    });
    await recordOutcome(kms, secretName, { status: "failed", at, error });
    const notifier = options.notifier ?? notifierFromEnv();
    if (notifier) {
      await notifier.notify({
        secretName,
        functionName,
        attempts: numberIn(requestContext.approximateInvokeCount) ?? 1,
        error,
        at,
      });
    }
    return { SecretName: secretName, Notified: notifier !== undefined };
  };
}

function parseRecord(event: Buffer | string): JsonObject {
  try {
    const parsed: unknown = JSON.parse(event.toString());
    if (isObject(parsed)) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError("The onFailure event is not an FC destination record (a JSON object)");
}

/**
 * The failed invocation's event: a direct one (`SecretName`, and
 * `EndGracePeriod` when the scheduler asked to end a grace period) or a
 * timer envelope whose `payload` holds one. Empty when unreadable.
 */
function originalEvent(record: JsonObject): JsonObject {
  return parsedObject(stringIn(record.requestPayload) ?? "");
}

function secretNameOf(original: JsonObject): string {
  if (typeof original.SecretName === "string") return original.SecretName;
  const payload = stringIn(original.payload);
  if (payload !== undefined) {
    const secretName = parsedObject(payload).SecretName;
    if (typeof secretName === "string") return secretName;
  }
  throw new ValidationError("The onFailure record's requestPayload names no SecretName");
}

/** The JSON object `text` holds; empty when it holds something else or no JSON at all. */
function parsedObject(text: string): JsonObject {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null;
}

function objectIn(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function stringIn(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function numberIn(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

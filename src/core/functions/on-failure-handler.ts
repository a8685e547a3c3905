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

interface DestinationRecord {
  requestContext?: { functionArn?: string; approximateInvokeCount?: number };
  requestPayload?: string;
  responseContext?: { functionError?: string };
}

export function createOnFailureHandler(options: OnFailureHandlerOptions = {}) {
  return async (
    event: Buffer | string,
    context: FcContext,
  ): Promise<{ SecretName: string; Notified: boolean }> => {
    const record = parseRecord(event);
    const original = originalEvent(record);
    const secretName = secretNameOf(original);
    const functionName = record.requestContext?.functionArn?.split("/").at(-1) ?? "unknown";
    const functionError =
      record.responseContext?.functionError || "the rotation failed without a message";
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
        attempts: record.requestContext?.approximateInvokeCount ?? 1,
        error,
        at,
      });
    }
    return { SecretName: secretName, Notified: notifier !== undefined };
  };
}

function parseRecord(event: Buffer | string): DestinationRecord {
  try {
    const parsed = JSON.parse(event.toString()) as unknown;
    if (typeof parsed === "object" && parsed !== null) return parsed as DestinationRecord;
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
interface OriginalEvent {
  SecretName?: unknown;
  EndGracePeriod?: unknown;
  payload?: unknown;
}

function originalEvent(record: DestinationRecord): OriginalEvent {
  try {
    const parsed = JSON.parse(record.requestPayload ?? "") as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as OriginalEvent) : {};
  } catch {
    return {};
  }
}

function secretNameOf(original: OriginalEvent): string {
  if (typeof original.SecretName === "string") return original.SecretName;
  if (typeof original.payload === "string") {
    try {
      const payload = JSON.parse(original.payload) as { SecretName?: unknown };
      if (typeof payload.SecretName === "string") return payload.SecretName;
    } catch {
      // fall through
    }
  }
  throw new ValidationError("The onFailure record's requestPayload names no SecretName");
}

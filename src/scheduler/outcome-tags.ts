/**
 * A rotation's outcome, recorded on the secret itself as tags, so
 * `rotor plan`, `rotor status` and the console show what happened last
 * without a separate database:
 *
 * | tag                  | value                                            |
 * | -------------------- | ------------------------------------------------ |
 * | `rotor:status`       | `failed`                                         |
 * | `rotor:last-attempt` | ISO time of the last attempt                     |
 * | `rotor:last-error`   | the failure, redacted and cut to fit a tag value |
 *
 * A later successful rotation removes these tags (the engine does it on
 * finishSecret), so their presence always means "the last rotation failed".
 *
 * The error text comes from Rotor's own errors, which never carry secret
 * values; it is still passed through `redact` with the values the caller
 * knows, and cut to KMS's 256-character tag value limit.
 */
import type { KmsClient } from "../clients/kms-client.ts";

export const OUTCOME_TAGS = {
  status: "rotor:status",
  lastAttempt: "rotor:last-attempt",
  lastError: "rotor:last-error",
} as const;

export type RotationStatus = "failed";

const MAX_TAG_VALUE = 256;

export function boundedError(message: string, secrets: readonly string[] = []): string {
  let text = message.replace(/\s+/g, " ").trim();
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join("[REDACTED]");
  }
  return text.length > MAX_TAG_VALUE ? `${text.slice(0, MAX_TAG_VALUE - 1)}…` : text;
}

export async function recordOutcome(
  kms: KmsClient,
  secretName: string,
  outcome: {
    status: RotationStatus;
    at: number;
    error?: string | undefined;
    secrets?: readonly string[];
  },
): Promise<void> {
  const tags: { key: string; value: string }[] = [
    { key: OUTCOME_TAGS.status, value: outcome.status },
    {
      key: OUTCOME_TAGS.lastAttempt,
      value: new Date(outcome.at).toISOString().replace(".000Z", "Z"),
    },
  ];
  if (outcome.error !== undefined) {
    tags.push({ key: OUTCOME_TAGS.lastError, value: boundedError(outcome.error, outcome.secrets) });
  }
  await kms.tagResource({ secretName, tags });
  if (outcome.error === undefined) {
    await kms.untagResource({ secretName, tagKeys: [OUTCOME_TAGS.lastError] });
  }
}

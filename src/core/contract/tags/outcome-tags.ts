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
 * The error text comes from Rotor's errors, which carry no secret value
 * but may quote a target (a database server's error message, chosen by
 * whoever runs that server). Before it becomes a tag it is scrubbed
 * (src/core/contract/untrusted-text.ts): the values the caller knows redacted,
 * escape sequences, control characters and line breaks gone, and cut to
 * KMS's 256-character tag value limit.
 */
import type { KmsClient } from "@rotor/cloud-api";
import { scrubUntrustedText } from "../untrusted-text.ts";

export const OUTCOME_TAGS = {
  status: "rotor:status",
  lastAttempt: "rotor:last-attempt",
  lastError: "rotor:last-error",
} as const;

export type RotationStatus = "failed";

const MAX_TAG_VALUE = 256;

export function boundedError(message: string, secrets: readonly string[] = []): string {
  // Runs of spaces collapsed before the cut, so more of the message fits in the tag.
  const oneLine = scrubUntrustedText(message, { secrets }).replace(/\s+/g, " ").trim();
  return scrubUntrustedText(oneLine, { maxLength: MAX_TAG_VALUE });
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

/**
 * The scheduler's report of tags that turn a secret's rotation off or
 * weaken it (tag-weakenings.ts): one warning log line, one message on
 * the notifier the scheduler's environment configures, and one event on
 * its event bus (`rotor.rotation.disabled` when a tag turns rotation off,
 * else `rotor.rotation.weakened`; docs/events.md), per secret and set of
 * findings; not one every run.
 *
 * What was reported is recorded on the secret itself, in the tag
 * `rotor:weakening-reported`: a digest of the secret's name, the findings
 * (tag, value, effect) and the ACSCurrent version id (the name keeps two
 * alike secrets' event ids apart). Whoever may only tag the
 * secret could write that tag too, but cannot compute the digest without
 * the version id, which takes a reader's right; a record that does not
 * match is reported over. The price of the version id: a weakening that
 * lasts is reported again after each rotation, once, as a reminder. A
 * record whose findings are gone is removed. When the record cannot be
 * written (the scheduler's role lacks kms:TagResource), the next run
 * reports again: too often rather than never.
 */
import { createHash } from "node:crypto";
import type { KmsClient } from "@rotor/cloud-api";
import { ROTOR_EVENT_TYPES, type RotorEventSink } from "../contract/rotor-events.ts";
import { WEAKENING_REPORTED_TAG } from "../contract/tags/report-tags.ts";
import { scrubUntrustedText } from "../contract/untrusted-text.ts";
import type { Notifier } from "../notify/webhook-notifier.ts";
import type { PlanEntry } from "./plan.ts";
import { errorLabel, type UnwrittenRecord } from "./unwritten-records.ts";

export interface WeakeningReportOptions {
  kms: KmsClient;
  notifier?: Notifier | undefined;
  /** Where the report is published as an event (none: no event). */
  events?: RotorEventSink | undefined;
  /** One JSON log line for each report and each trouble. */
  warn: (event: string, fields: Record<string, unknown>) => void;
  /** Collects the records that could not be written or removed, for the run\'s summary. */
  unwritten?: UnwrittenRecord[] | undefined;
  now: number;
}

/** The record for an entry's findings, or undefined when it has none (or its versions are unknown). */
export function weakeningRecord(entry: PlanEntry): string | undefined {
  if (entry.weakenings.length === 0 || entry.currentVersionId === undefined) return undefined;
  const findings = entry.weakenings.map(({ tag, value, effect }) => `${tag}=${value} ${effect}`);
  return createHash("sha256")
    .update([entry.secretName, entry.currentVersionId, ...findings].join("\n"))
    .digest("hex")
    .slice(0, 16);
}

/** Reports what has not been reported yet; returns how many secrets were reported. */
export async function reportWeakenings(
  plan: readonly PlanEntry[],
  options: WeakeningReportOptions,
): Promise<number> {
  let reported = 0;
  for (const entry of plan) {
    const recorded = entry.tags[WEAKENING_REPORTED_TAG];
    const record = weakeningRecord(entry);
    if (record === undefined) {
      if (recorded !== undefined && entry.weakenings.length === 0) await dropRecord(entry, options);
      continue;
    }
    if (recorded === record) continue;
    reported += 1;
    options.warn("scheduler.tag-weakening", {
      secret: entry.secretName,
      weakenings: entry.weakenings,
    });
    publishWeakening(entry, record, options);
    try {
      await options.notifier?.warnWeakened({
        secretName: entry.secretName,
        weakenings: entry.weakenings,
        at: options.now,
      });
    } catch (error) {
      options.warn("scheduler.notify-failed", {
        secret: entry.secretName,
        error: (error as Error).message,
      });
    }
    try {
      await options.kms.tagResource({
        secretName: entry.secretName,
        tags: [{ key: WEAKENING_REPORTED_TAG, value: record }],
      });
    } catch (error) {
      options.unwritten?.push({
        secretName: entry.secretName,
        tag: WEAKENING_REPORTED_TAG,
        operation: "write",
        error: errorLabel(error),
      });
      options.warn("scheduler.weakening-record-unwritten", {
        secret: entry.secretName,
        error: errorLabel(error),
        why: "the next run reports it again",
      });
    }
  }
  return reported;
}

async function dropRecord(entry: PlanEntry, options: WeakeningReportOptions): Promise<void> {
  try {
    await options.kms.untagResource({
      secretName: entry.secretName,
      tagKeys: [WEAKENING_REPORTED_TAG],
    });
  } catch (error) {
    options.unwritten?.push({
      secretName: entry.secretName,
      tag: WEAKENING_REPORTED_TAG,
      operation: "remove",
      error: errorLabel(error),
    });
    options.warn("scheduler.weakening-record-left", {
      secret: entry.secretName,
      error: errorLabel(error),
    });
  }
}

/**
 * The report as an event. Its id is the record, so a report repeated (the
 * record could not be written) is the same event. Tag values, and the
 * sentences that quote them, are a tagger's text: scrubbed.
 */
function publishWeakening(entry: PlanEntry, record: string, options: WeakeningReportOptions): void {
  const scrub = (text: string) => scrubUntrustedText(text, { maxLength: 256 });
  const off = entry.weakenings.some((found) => found.effect === "off");
  options.events?.publish({
    type: off ? ROTOR_EVENT_TYPES.disabled : ROTOR_EVENT_TYPES.weakened,
    id: `weakening-${record}`,
    secretName: entry.secretName,
    time: options.now,
    data: {
      secretName: entry.secretName,
      rotator: entry.rotator,
      versionId: entry.currentVersionId ?? "",
      weakenings: entry.weakenings.map(({ tag, value, effect, says }) => ({
        tag: scrub(tag),
        value: scrub(value),
        effect,
        says: scrub(says),
      })),
    },
  });
}
